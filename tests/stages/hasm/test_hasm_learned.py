"""Learned HASM pieces: prior rendering, network, strict weights, ONNX agreement, masks."""

import dataclasses
import json

import numpy as np
import pytest
import torch

from hdr_live.geometry import Roi, crop_affine, invert_affine
from hdr_live.joints import Side
from hdr_live.models.hasm_net import MODEL_KIND, HasmNet, HasmSpec, normalise_input
from hdr_live.models.onnx_export import OnnxMaskNet, export_onnx
from hdr_live.models.prior import PRIOR_CHANNELS, render_prior
from hdr_live.stages.hasm.tracker import HandPriorTracker
from hdr_live.stages.hasm.learned import (LearnedHasm, LearnedHasmOptions, region_masks,
                                         load_torch_mask_net, region_for_prior)
from hdr_live.types import Frame, Hands
from hdr_live.weights import WeightsError, write_weights
from support import BLANK_FRAME, ScriptedDetector, hand_box_joints, scripted_detection, scripted_pose



TINY = HasmSpec(input_px=64, hidden_sizes=(8, 16, 24, 32), num_heads=(1, 1, 1, 1),
                decoder_hidden_size=16)




def test_prior_channels_follow_the_joints():
    right, left = hand_box_joints(50, 60), hand_box_joints(150, 60)
    ident = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    maps = render_prior(Hands(left=left, right=right), ident, 200)
    assert maps.shape == (PRIOR_CHANNELS, 200, 200) and maps.dtype == np.float32
    assert 0.0 <= maps.min() and maps.max() <= 1.0
    # right hand's channels (0-5) light up around x=50, left hand's (6-11) around x=150
    assert maps[:6, :, 100:].max() < 0.05 and maps[:6, :, :100].max() > 0.5
    assert maps[6:, :, :100].max() < 0.05 and maps[6:, :, 100:].max() > 0.5
    # the index finger channel peaks on the index finger's joints
    tip = np.round(right[8]).astype(int)
    assert maps[2, tip[1], tip[0]] > 0.3
    only_right = render_prior(Hands(right=right), ident, 200)
    assert not only_right[6:].any()


def test_prior_moves_with_the_region_affine():
    right = hand_box_joints(300, 200)
    to_frame = crop_affine(Roi((300.0, 190.0), 120.0), 64)
    maps = render_prior(Hands(right=right), invert_affine(to_frame), 64)
    ys, xs = np.nonzero(maps[:6].max(axis=0) > 0.3)
    assert abs(xs.mean() - 31.5) < 6 and maps.shape == (12, 64, 64)


@pytest.mark.parametrize("uses_prior", [True, False])
def test_network_shapes_and_input_check(uses_prior):
    spec = dataclasses.replace(TINY, uses_prior=uses_prior)
    net = HasmNet(spec)
    x = torch.randn(2, spec.in_channels, 64, 64)
    logits = net(x)
    assert logits.shape == (2, 4, 64, 64)
    rgb = np.zeros((64, 64, 3), np.uint8)
    with pytest.raises(ValueError):
        normalise_input(rgb, None if uses_prior else np.zeros((12, 64, 64), np.float32), spec)


def _save(tmp_path, net, spec, name="hasm.safetensors"):
    path = tmp_path / name
    write_weights(net, path, MODEL_KIND, {"spec": spec.to_json(), "provenance": {"test": True}})
    return path


def test_weights_round_trip_and_strict_errors(tmp_path):
    torch.manual_seed(0)
    net = HasmNet(TINY).eval()
    path = _save(tmp_path, net, TINY)
    run, spec = load_torch_mask_net(path)
    assert spec == TINY
    x = np.random.default_rng(0).normal(size=(1, TINY.in_channels, 64, 64)).astype(np.float32)
    with torch.inference_mode():
        np.testing.assert_allclose(run(x), net(torch.from_numpy(x)).numpy(), atol=1e-6)
    # corrupt bytes: sha256 mismatch names the file
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(bytes(data))
    (tmp_path / "bad.json").write_text(path.with_suffix(".json").read_text())
    with pytest.raises(WeightsError, match="bad.safetensors"):
        load_torch_mask_net(bad)
    with pytest.raises(WeightsError, match="not found"):
        load_torch_mask_net(tmp_path / "missing.safetensors")
    # a checkpoint of another architecture: strict loading names the problem
    other = dataclasses.replace(TINY, decoder_hidden_size=24)
    mismatch = _save(tmp_path, HasmNet(other), other, "other.safetensors")
    meta = json.loads(mismatch.with_suffix(".json").read_text())
    meta["spec"] = TINY.to_json()
    mismatch.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(WeightsError, match="does not fit"):
        load_torch_mask_net(mismatch)
    meta["model"] = "something-else"
    mismatch.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(WeightsError, match="something-else"):
        load_torch_mask_net(mismatch)


def test_onnx_runtime_agrees_with_torch(tmp_path):
    torch.manual_seed(1)
    net = HasmNet(TINY).eval()
    path = export_onnx(net, TINY.in_channels, TINY.input_px, tmp_path / "h.onnx")
    x = np.random.default_rng(1).normal(size=(1, TINY.in_channels, 64, 64)).astype(np.float32)
    with torch.inference_mode():
        ref = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(OnnxMaskNet(path)(x), ref, atol=1e-4)
    with pytest.raises(WeightsError):
        OnnxMaskNet(tmp_path / "nope.onnx")


def test_region_contains_all_prior_joints():
    prior = Hands(left=hand_box_joints(100, 100), right=hand_box_joints(300, 150))
    roi = region_for_prior(prior, 1.2)
    allp = np.concatenate([prior.left, prior.right])
    half = roi.size_px / 2
    assert np.all(np.abs(allp - roi.center_xy) <= half)
    with pytest.raises(ValueError):
        region_for_prior(Hands(), 1.5)


def test_learned_hasm_masks_are_consistent():
    torch.manual_seed(2)
    net = HasmNet(TINY).eval()

    def run(x):
        with torch.inference_mode():
            return net(torch.from_numpy(x)).numpy() * 20.0  # sharpen: many pixels pass

    a, b = hand_box_joints(150, 130), hand_box_joints(200, 130)
    tracker = HandPriorTracker(ScriptedDetector([[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, b)]]))
    hasm = LearnedHasm(run, TINY, tracker)
    out = hasm.segment(BLANK_FRAME, Hands())
    m = out.masks
    assert m.right_amodal.shape == (240, 400)
    for side in Side:
        assert not (m.visible(side) & ~m.amodal(side)).any()
    assert not (m.left_visible & m.right_visible).any()
    np.testing.assert_allclose(out.prior_joints_px.right, a)
    # no prior at all: empty masks, no network call needed
    empty = LearnedHasm(run, TINY, HandPriorTracker(ScriptedDetector([]))).segment(BLANK_FRAME, Hands())
    assert not empty.masks.right_amodal.any() and len(empty.prior_joints_px) == 0


def test_a_primed_hand_with_a_tiny_amodal_mask_is_taken_as_absent():
    """HASM's veto: where the network finds no hand-sized mask at a hand's prior, that hand
    gets empty masks (no crop, no pose downstream); an unprimed hand follows its own rule."""
    spec = dataclasses.replace(TINY, input_px=100)
    to_frame = np.array([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]])  # region pixel → frame pixel
    probs = np.zeros((4, 100, 100), np.float32)
    probs[0:2, 20:50, 10:40] = 0.9  # right: 60x60 frame px amodal and visible
    probs[2:4, 20:25, 70:75] = 0.9  # left: 10x10 frame px
    frame = Frame(np.zeros((200, 200, 3), np.uint8), 0, 0.0)
    prior = Hands(right=hand_box_joints(50, 70), left=hand_box_joints(145, 45))  # hand size 40 px: 1600 px²
    masks = region_masks(probs, to_frame, frame, prior, spec, LearnedHasmOptions(min_primed_area=0.5))
    assert masks.right_amodal.sum() >= 3000 and masks.right_visible.any()
    assert not masks.left_amodal.any() and not masks.left_visible.any()  # 100 px² < 800 px²
    kept = region_masks(probs, to_frame, frame, prior, spec, LearnedHasmOptions(min_primed_area=0.0))
    assert kept.left_amodal.sum() >= 64
    # a large left mask counts only near the left prior: far from it, the hand is still absent
    far = probs.copy()
    far[2:4, 60:95, 5:40] = 0.9  # 70x70 frame px around (45, 155), the prior is at (145, 45)
    assert not region_masks(far, to_frame, frame, prior, spec, LearnedHasmOptions()).left_amodal.any()
    # the same small left mask without a prior: judged against the region's area instead
    alone = region_masks(probs, to_frame, frame, Hands(right=prior.right), spec,
                        LearnedHasmOptions(min_unprimed_area=0.002, min_primed_area=0.5))
    assert alone.left_amodal.sum() >= 64 and alone.right_amodal.sum() >= 3000


def test_bundled_weights_load_strictly_onnx_agrees_with_torch():
    from hdr_live.models.onnx_export import OnnxMaskNet as Onnx
    from hdr_live.config import DEFAULT_HASM_WEIGHTS
    from hdr_live.stages.hasm.learned import load_mask_net

    onnx_net, spec = load_mask_net(DEFAULT_HASM_WEIGHTS)
    torch_net, spec2 = load_mask_net(DEFAULT_HASM_WEIGHTS, prefer_onnx=False)
    assert isinstance(onnx_net, Onnx) and spec == spec2 and spec.uses_prior
    x = np.random.default_rng(3).normal(size=(1, spec.in_channels, spec.input_px,
                                              spec.input_px)).astype(np.float32)
    np.testing.assert_allclose(onnx_net(x), torch_net(x), atol=1e-3)


def test_replaced_onnx_twin_is_refused(tmp_path):
    import shutil

    from hdr_live.config import DEFAULT_HASM_WEIGHTS
    from hdr_live.stages.hasm.learned import load_mask_net

    for suffix in (".safetensors", ".json"):
        shutil.copy(DEFAULT_HASM_WEIGHTS.with_suffix(suffix), tmp_path / f"h{suffix}")
    (tmp_path / "h.onnx").write_bytes(b"not the exported model")
    with pytest.raises(WeightsError, match="h.onnx"):
        load_mask_net(tmp_path / "h.safetensors")


def test_learned_hasm_is_two_phase_and_both_paths_agree():
    """segment(f, prev) == segment_detected(f, detect(f), prev), frame after frame."""
    from hdr_live.stages.hasm.interface import TwoPhaseHasm

    torch.manual_seed(2)
    net = HasmNet(TINY).eval()

    def run(x):
        with torch.inference_mode():
            return net(torch.from_numpy(x)).numpy() * 20.0

    a, b = hand_box_joints(150, 130), hand_box_joints(230, 130)
    script = [[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, b)], [scripted_detection(Side.RIGHT, a + 3)], []]
    one = LearnedHasm(run, TINY, HandPriorTracker(ScriptedDetector(script)))
    two = LearnedHasm(run, TINY, HandPriorTracker(ScriptedDetector(script)))
    assert isinstance(two, TwoPhaseHasm)
    prev = Hands()
    for _ in range(3):
        x, y = one.segment(BLANK_FRAME, prev), two.segment_detected(BLANK_FRAME, two.detect(BLANK_FRAME), prev)
        for side in Side:
            np.testing.assert_array_equal(x.masks.amodal(side), y.masks.amodal(side))
            np.testing.assert_array_equal(x.masks.visible(side), y.masks.visible(side))
        assert set(dict(x.prior_joints_px.items())) == set(dict(y.prior_joints_px.items()))
        prev = Hands(**{s.value: scripted_pose(s, j) for s, j in x.prior_joints_px.items()})
    assert len(prev) == 2  # the tracks held through the frame without detections
