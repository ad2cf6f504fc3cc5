"""SHPE (MediaPipe landmark network via ai-edge-litert) on real crops with ground truth."""

import numpy as np
import pytest

from support import CLASPED, SINGLE_RIGHT, need_real
from hdr_live.eval2d import epe_px, load_ground_truth, mpjpe_mm
from hdr_live.io.sources import read_image
from hdr_live.joints import Side
from hdr_live.stages.hdrm.masks import CropOptions, build_crop_inputs
from hdr_live.stages.shpe.interface import frame_to_crop_points
from hdr_live.stages.shpe.mediapipe_landmark import MediaPipeLandmarkShpe, ShpeOptions
from hdr_live.weights import WeightsError
from hdr_live.types import HandGeometry
from hdr_live.stages.hasm.silhouette import masks_from_joints
from hdr_live.types import Frame, HandCrop, Hands


def _gt_crop(stem, side: Side, mirrored_input: bool = False):
    gt = load_ground_truth(need_real(stem.with_suffix(".gt.json")))
    frame = Frame(read_image(gt.image_path), 0, 0.0)
    geoms = Hands()
    for s, px in gt.joints_px.items():
        mm = gt.joints_cam_mm.get(s)
        geoms = geoms.with_side(s, HandGeometry(px, (mm - mm[0]) / 1000.0))
    masks = masks_from_joints(geoms, frame.height, frame.width)
    ci = build_crop_inputs(frame, masks, side, mirrored_input, CropOptions())
    crop = HandCrop(side, ci.image_rgb, ci.image_rgb, ci.crop_to_frame, ci.mirrored, ci.m_d,
                    ci.m_r, ci.target_visible)
    return gt, crop


@pytest.mark.parametrize("mirrored", [False, True])
def test_shpe_on_real_single_hand_crop(shpe, mirrored):
    # mirrored=True crops the right hand mirrored (it then looks like a left hand): the joints
    # must still come back to the right places in the frame.
    gt, crop = _gt_crop(SINGLE_RIGHT, Side.RIGHT, mirrored_input=mirrored)
    assert crop.mirrored == mirrored
    truth = gt.joints_px.right
    est = shpe.estimate(crop, frame_to_crop_points(crop, truth))
    joints_px, rel_m = est.to_frame(crop)
    assert est.presence > 0.9
    assert epe_px(joints_px, truth) < 12.0
    np.testing.assert_allclose(rel_m[0], 0.0, atol=1e-9)
    assert mpjpe_mm(rel_m, gt.joints_cam_mm.right) < 40.0


def test_shpe_3d_agrees_between_mirrored_and_plain_crops(shpe):
    _, plain = _gt_crop(SINGLE_RIGHT, Side.RIGHT, False)
    gt, mirrored = _gt_crop(SINGLE_RIGHT, Side.RIGHT, True)
    truth = gt.joints_px.right
    a = shpe.estimate(plain, frame_to_crop_points(plain, truth)).to_frame(plain)[1]
    b = shpe.estimate(mirrored, frame_to_crop_points(mirrored, truth)).to_frame(mirrored)[1]
    assert np.linalg.norm(a - b, axis=1).mean() < 0.02  # metres
    # x really was un-mirrored: flipping it again makes the error against 3D truth worse
    flipped = b * np.array([-1.0, 1.0, 1.0])
    assert mpjpe_mm(b, gt.joints_cam_mm.right) + 10.0 < mpjpe_mm(flipped, gt.joints_cam_mm.right)


def test_shpe_on_real_clasped_hands_with_prior(shpe):
    gt, crop = _gt_crop(CLASPED, Side.LEFT)
    truth = gt.joints_px.left
    est = shpe.estimate(crop, frame_to_crop_points(crop, truth))
    assert epe_px(est.to_frame(crop)[0], truth) < 15.0


def test_missing_or_corrupt_model_file_names_the_path(tmp_path):
    with pytest.raises(WeightsError, match="nope.tflite"):
        MediaPipeLandmarkShpe(ShpeOptions(model_path=tmp_path / "nope.tflite"))
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\x00not a model" * 100)
    with pytest.raises(WeightsError, match="bad.tflite"):
        MediaPipeLandmarkShpe(ShpeOptions(model_path=bad))
