import json
import math
import warnings

import numpy as np
import pytest

from support import CLASPED, need_real
from hdr_live.eval2d import (epe_px, evaluate_hands, load_ground_truth, mpjpe_mm, mrrpe_mm,
                            output_rel_m)
from hdr_live.io.sources import InputError
from hdr_live.joints import Side
from hdr_live.types import HandPose, Hands


def _pose(side, px, rel=None):
    rel = np.zeros((21, 3)) if rel is None else rel
    return HandPose(side, np.asarray(px, float), rel, np.ones(21, bool), 0.9)


def test_epe_ignores_unannotated_joints():
    gt = np.zeros((21, 2))
    gt[5:] = np.nan
    pred = np.full((21, 2), 3.0)
    pred[5:] = 1000.0
    assert epe_px(pred, gt) == pytest.approx(np.hypot(3, 3))


def test_epe_over_annotated_joints_only():
    gt = np.full((21, 2), np.nan)
    gt[[2, 5, 9]] = [[10.0, 10.0], [20.0, 20.0], [30.0, 30.0]]
    gt[12] = [5.0, np.nan]  # half a joint is no ground truth
    pred = np.zeros((21, 2))
    pred[[2, 5, 9]] = gt[[2, 5, 9]] + [[3.0, 4.0], [0.0, 0.0], [6.0, 8.0]]
    pred[0] = [1e6, 1e6]  # a joint without ground truth does not count
    assert epe_px(pred, gt) == pytest.approx(5.0)
    assert epe_px(pred.tolist(), gt.tolist()) == pytest.approx(5.0)  # array-likes too
    pred[5] = np.nan  # a prediction missing at an annotated joint is not skipped
    assert math.isnan(epe_px(pred, gt))


def test_epe_nan_without_annotation_and_shape_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(epe_px(np.zeros((21, 2)), np.full((21, 2), np.nan)))
    with pytest.raises(ValueError, match=r"pred_px must have shape \(21, 2\)"):
        epe_px(np.zeros((14, 2)), np.zeros((21, 2)))
    with pytest.raises(ValueError, match="gt_px"):
        epe_px(np.zeros((21, 2)), np.zeros((21, 3)))


def test_mpjpe_is_wrist_aligned_in_mm():
    gt = np.arange(63, dtype=float).reshape(21, 3) + 500.0
    pred = (gt - gt[0]) / 1000.0
    assert mpjpe_mm(pred, gt) == pytest.approx(0.0, abs=1e-9)
    assert mpjpe_mm(pred + np.array([0.01, 0, 0]), gt) == pytest.approx(10.0 * 20 / 20)


def _gt(tmp_path, left, right):
    (tmp_path / "x.jpg").write_bytes(b"")
    data = {"image": "x.jpg", "left": left, "right": right}
    path = tmp_path / "x.gt.json"
    path.write_text(json.dumps(data))
    return load_ground_truth(path)


def test_swap_found_and_missing(tmp_path):
    a = np.zeros((21, 2)) + [100, 100]
    b = np.zeros((21, 2)) + [300, 100]
    gt = _gt(tmp_path, a.tolist(), b.tolist())
    good = evaluate_hands(Hands(left=_pose(Side.LEFT, a), right=_pose(Side.RIGHT, b)), gt)
    assert all(e.found and not e.swapped and e.epe_px == 0 for e in good)
    swapped = evaluate_hands(Hands(left=_pose(Side.LEFT, b), right=_pose(Side.RIGHT, a)), gt)
    assert all(e.swapped for e in swapped)
    only_one = evaluate_hands(Hands(left=_pose(Side.LEFT, b + 2)), gt)
    by_side = {e.side: e for e in only_one}
    assert by_side[Side.RIGHT].swapped and not by_side[Side.RIGHT].found
    assert np.isnan(by_side[Side.RIGHT].epe_px)


def test_null_hand_and_null_joints(tmp_path):
    right = [[1.0, 2.0]] * 20 + [None]
    gt = _gt(tmp_path, [None] * 21, right)
    assert gt.joints_px.left is None
    assert np.isnan(gt.joints_px.right[20]).all() and gt.joints_px.right[0].tolist() == [1, 2]


def test_bad_ground_truth_files(tmp_path):
    bad = tmp_path / "y.gt.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="y.gt.json"):
        load_ground_truth(bad)
    lonely = tmp_path / "z.gt.json"
    lonely.write_text(json.dumps({"left": None, "right": None}))
    with pytest.raises(InputError, match="no image"):
        load_ground_truth(lonely)


def test_real_ground_truth_loads():
    gt = load_ground_truth(need_real(CLASPED.with_suffix(".gt.json")))
    assert gt.image_path.is_file()
    assert gt.joints_px.left.shape == (21, 2) and gt.joints_cam_mm.right.shape == (21, 3)


def _cam_gt(tmp_path, left_mm, right_mm, intrinsics=None):
    (tmp_path / "c.jpg").write_bytes(b"")
    data = {"image": "c.jpg", "left": [[1.0, 1.0]] * 21, "right": [[2.0, 2.0]] * 21,
            "left_3d_cam_mm": left_mm.tolist(), "right_3d_cam_mm": right_mm.tolist()}
    if intrinsics is not None:
        data["camera_intrinsics"] = intrinsics
    path = tmp_path / "c.gt.json"
    path.write_text(json.dumps(data))
    return load_ground_truth(path)


def _cam_pose(side, joints_cam_m, rel_m=None):
    rel = joints_cam_m - joints_cam_m[0] if rel_m is None else rel_m
    return HandPose(side, np.full((21, 2), 1.0), rel, np.ones(21, bool), 0.9,
                    joints_cam_m=joints_cam_m)


def test_mrrpe_is_the_error_of_the_wrist_to_wrist_vector(tmp_path):
    rng = np.random.default_rng(5)
    left_mm = rng.normal([60.0, 0.0, 600.0], 20.0, (21, 3))
    right_mm = rng.normal([-60.0, 0.0, 620.0], 20.0, (21, 3))
    gt = _cam_gt(tmp_path, left_mm, right_mm, {"fx": 1000.0, "fy": 1002.0, "cx": 160.0,
                                               "cy": 250.0})
    assert gt.focal_px == 1001.0 and gt.principal_px == (160.0, 250.0)
    # both hands moved by the same offset: the relative position is exact
    shift = np.array([0.1, -0.05, 0.3])
    poses = Hands(left=_cam_pose(Side.LEFT, left_mm / 1000 + shift),
                  right=_cam_pose(Side.RIGHT, right_mm / 1000 + shift))
    assert mrrpe_mm(poses, gt) == pytest.approx(0.0, abs=1e-9)
    # the left hand 30 mm further away: MRRPE 30 mm
    poses = poses.with_side(Side.LEFT, _cam_pose(Side.LEFT, left_mm / 1000 + shift + [0, 0, 0.03]))
    assert mrrpe_mm(poses, gt) == pytest.approx(30.0)
    # no fitted camera-frame joints: not measured
    no_cam = Hands(left=_pose(Side.LEFT, np.zeros((21, 2))),
                   right=_pose(Side.RIGHT, np.zeros((21, 2))))
    assert math.isnan(mrrpe_mm(no_cam, gt))


def test_mpjpe_scores_the_fitted_joints_and_reports_shpe_beside(tmp_path):
    rng = np.random.default_rng(6)
    left_mm = rng.normal([60.0, 0.0, 600.0], 20.0, (21, 3))
    gt = _cam_gt(tmp_path, left_mm, left_mm + [-120.0, 0, 0])
    exact = left_mm / 1000
    wrong_rel = np.zeros((21, 3))  # SHPE's joints, all at the wrist
    (ev,) = [e for e in evaluate_hands(Hands(left=_cam_pose(Side.LEFT, exact, wrong_rel)), gt)
             if e.side is Side.LEFT]
    assert ev.mpjpe_mm == pytest.approx(0.0, abs=1e-9)
    expected = np.linalg.norm(left_mm[1:] - left_mm[0], axis=1).mean()
    assert ev.mpjpe_shpe_mm == pytest.approx(expected)
    assert math.isnan(ev.mpjpe_lifted_mm)
    assert output_rel_m(_cam_pose(Side.LEFT, exact, wrong_rel))[5] == pytest.approx(
        exact[5] - exact[0])


def test_bad_intrinsics_name_the_file(tmp_path):
    zeros = np.zeros((21, 3))
    with pytest.raises(InputError, match="c.gt.json.*camera_intrinsics"):
        _cam_gt(tmp_path, zeros, zeros, {"fx": -1.0, "fy": 1.0, "cx": 0.0, "cy": 0.0})


def test_the_image_field_stays_inside_the_folder(tmp_path):
    import cv2

    outside = tmp_path / "secret.png"
    cv2.imwrite(str(outside), np.zeros((8, 8, 3), np.uint8))
    folder = tmp_path / "gt"
    folder.mkdir()
    for name in ("../secret.png", str(outside), "sub/../../secret.png"):
        gt = folder / "a.gt.json"
        gt.write_text(json.dumps({"image": name, "left": None, "right": None}))
        with pytest.raises(InputError, match="must name a file in its own folder"):
            load_ground_truth(gt)


def test_a_rescaled_image_is_refused_against_its_ground_truth(tmp_path):
    import cv2

    from hdr_live.eval2d import evaluate_image

    real = need_real(CLASPED.with_suffix(".gt.json"))
    data = json.loads(real.read_text())
    image = cv2.imread(str(CLASPED.with_suffix(".jpg")))
    cv2.imwrite(str(tmp_path / data["image"]), cv2.resize(image, None, fx=2, fy=2))
    (tmp_path / real.name).write_text(json.dumps(data))
    gt = load_ground_truth(tmp_path / real.name)
    assert gt.size_wh == tuple(data["image_size_wh"])

    class Unused:  # the size is checked before any pipeline work
        def reset(self):
            pass

    with pytest.raises(InputError, match="rescaled"):
        evaluate_image(Unused(), gt)
