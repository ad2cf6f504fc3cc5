"""Synthetic SHPE for the ablation: targets, decoding, crops, a loop that learns, resume, export."""

import json

import numpy as np
import pytest
import torch

from hdr_live.joints import Side
from hdr_live.stages.hdrm.masks import CropOptions, build_crop_inputs
from hdr_live.types import Frame, HandCrop
from hdr_live.weights import WeightsError
from training.shpe_data import Jitter, build_hand_views, crop_frame_and_joints, jittered, make_batch
from hdr_live.geometry import roi_from_joints
from hdr_live.models.detnet import DetNetSpec, decode
from hdr_live.stages.shpe.detnet import load_detnet, view_affine, view_to_crop_rel
from training.shpe_detnet import heatmap_targets
from training.train_shpe import ShpeRun, ShpeTrainConfig, evaluate, export, train

SPEC = DetNetSpec(input_px=64, embedding_size=8, hidden_sizes=(8, 16, 24, 32),
                  depths=(1, 1, 1, 1), head_channels=16)


def test_decode_recovers_joints_from_their_own_targets():
    rng = np.random.default_rng(0)
    joints = rng.uniform(5, 59, (21, 2))
    rel = rng.uniform(-0.08, 0.08, (21, 3))
    heat = heatmap_targets(joints, SPEC)
    assert heat.shape == (21, 16, 16) and heat.max() <= 1.0
    loc = np.broadcast_to((rel / SPEC.loc_scale_m)[:, :, None, None], (21, 3, 16, 16))
    got, got_rel = decode(np.log(heat + 1e-12), loc, SPEC)
    np.testing.assert_allclose(got, joints, atol=0.02)
    np.testing.assert_allclose(got_rel, rel - rel[0], atol=1e-6)


def test_crops_match_the_pipeline_crop_and_jitter_moves_joints_with_pixels(render_samples):
    sample = render_samples[0]
    for side in Side:
        inputs = build_crop_inputs(Frame(sample.image, 0, 0.0), sample.masks, side, False,
                                   CropOptions())
        crop, joints, rel = crop_frame_and_joints(sample, side, sample.image, DetNetSpec())
        np.testing.assert_array_equal(crop, inputs.image_rgb)
        assert inputs.mirrored == (side is Side.LEFT)
        # a mirrored crop flips 3D x: the thumb tip lies on the same side of the wrist in 2D and 3D
        dx_2d = joints[4, 0] - joints[0, 0]
        assert np.sign(dx_2d) == np.sign(rel[4, 0]) or abs(dx_2d) < 3
    # both views: a joint's view pixel shows what the crop shows at that joint; the tight view
    # is upright (middle MCP straight above the wrist) and its 3D axes turn with it
    first = list(Side)[0]  # views come in Side order
    crop, joints, rel = crop_frame_and_joints(sample, first, sample.hand(first).target,
                                              DetNetSpec())
    views = build_hand_views([sample], DetNetSpec())
    assert list(views.tight) == [False, True, False, True]
    whole_j, tight_j = views.joints_view_px[0], views.joints_view_px[1]
    np.testing.assert_allclose(whole_j, (joints + 0.5) / 2 - 0.5, atol=1e-3)
    up = tight_j[9] - tight_j[0]
    assert abs(up[0]) < 1e-3 * np.linalg.norm(up) + 1e-3 and up[1] < 0
    np.testing.assert_allclose(np.linalg.norm(views.joints_rel_m[1], axis=1),
                               np.linalg.norm(rel, axis=1), atol=1e-5)
    tight_rel = views.joints_rel_m[1].astype(np.float64)
    up_3d = tight_rel[9, :2] / np.linalg.norm(tight_rel[9, :2])
    to_crop = view_affine(roi_from_joints(joints, DetNetSpec().roi_scale), DetNetSpec())
    np.testing.assert_allclose(view_to_crop_rel(tight_rel, to_crop), rel, atol=1e-5)
    # the 2D and 3D wrist→middle-MCP directions agree in the view (weak perspective)
    assert up_3d @ (up / np.linalg.norm(up)) > 0.8
    # jitter: a bright dot at a joint stays under that joint
    img = np.zeros((64, 64, 3), np.uint8)
    pts = np.full((21, 2), 32.0)
    pts[5] = (15.0, 45.0)
    img[44:47, 14:17] = 255
    out, moved, _ = jittered(img, pts, np.zeros((21, 3)), np.random.default_rng(1), Jitter())
    peak = np.unravel_index(out[..., 0].argmax(), out.shape[:2])
    assert np.linalg.norm(moved[5] - peak[::-1]) < 1.5


def test_training_learns_resumes_and_exports(render_samples, tmp_path):
    crops = build_hand_views(render_samples, SPEC)
    assert len(crops) == 4 * len(render_samples)
    x, heat, rel, has_3d, joints = make_batch(crops, np.arange(3), SPEC, None)
    assert x.shape == (3, 3, 64, 64) and heat.shape == (3, 21, 16, 16) and rel.shape == (3, 21, 3)
    cfg = ShpeTrainConfig(batch=4, lr=3e-3, warmup_steps=2, total_steps=60, eval_every=30)
    run = ShpeRun(tmp_path / "run", SPEC, cfg)
    before = evaluate(run.model, crops, SPEC)
    train(run, crops, crops, until_step=30)
    assert (tmp_path / "run" / "checkpoint.pt").is_file()
    resumed = ShpeRun(tmp_path / "run", SPEC, cfg)
    assert resumed.step == 30
    torch.testing.assert_close(resumed.model.state_dict(), run.model.state_dict())
    train(resumed, crops, crops, until_step=60)
    after = evaluate(resumed.model, crops, SPEC)
    assert after["epe_tight_crop_px"] < before["epe_tight_crop_px"]
    out = tmp_path / "shpe.safetensors"
    metrics = export(resumed, out, crops, {"folder": "fixture"})
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["provenance"]["steps"] == 60 and metrics["hands"] == len(crops) // 2
    assert meta["storage"].startswith("float16")
    shpe = load_detnet(out)
    sample = render_samples[0]
    inputs = build_crop_inputs(Frame(sample.image, 0, 0.0), sample.masks, Side.RIGHT, False,
                               CropOptions())
    crop = HandCrop(Side.RIGHT, inputs.image_rgb, inputs.image_rgb, inputs.crop_to_frame,
                    inputs.mirrored, inputs.m_d, inputs.m_r, inputs.target_visible)
    est = shpe.estimate(crop)
    assert est.joints_crop_px.shape == (21, 2) and est.presence == 1.0
    assert np.isfinite(est.joints_world_m).all() and (est.joints_world_m[0] == 0).all()
    with pytest.raises(ValueError):
        shpe.estimate(HandCrop(Side.RIGHT, inputs.image_rgb[:128, :128].copy(),
                               inputs.image_rgb[:128, :128].copy(), inputs.crop_to_frame, False,
                               inputs.m_d[:128, :128].copy(), inputs.m_r[:128, :128].copy(),
                               inputs.target_visible[:128, :128].copy()))
    out.write_bytes(out.read_bytes()[:-10])
    with pytest.raises(WeightsError, match="shpe.safetensors"):
        load_detnet(out)


def test_a_new_run_starts_from_another_runs_weights(render_samples, tmp_path):
    crops = build_hand_views(render_samples[:2], SPEC)
    cfg = ShpeTrainConfig(batch=2, lr=3e-3, warmup_steps=1, total_steps=10, eval_every=1000)
    first = ShpeRun(tmp_path / "a", SPEC, cfg)
    train(first, crops, crops, until_step=3)
    second = ShpeRun(tmp_path / "b", SPEC, cfg, init=tmp_path / "a")
    assert second.step == 0 and second.init_from == {"run": str(tmp_path / "a"), "step": 3,
                                                      "wall_s": first.wall_s}
    torch.testing.assert_close(second.model.state_dict(), first.model.state_dict())
    train(second, crops, crops, until_step=2)
    assert ShpeRun(tmp_path / "b", SPEC, cfg).init_from["step"] == 3  # kept on resume
    out = tmp_path / "shpe.safetensors"
    export(second, out, crops, {"folder": "fixture"})
    init = json.loads(out.with_suffix(".json").read_text())["provenance"]["init"]
    assert init["from_run"]["run"] == str(tmp_path / "a") and init["from_run"]["step"] == 3
    with pytest.raises(SystemExit):
        ShpeRun(tmp_path / "c", SPEC, cfg, init=tmp_path / "missing")
