"""Learned HASM pieces: prior rendering, network, strict weights, ONNX agreement, tracker."""

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
from hdr_live.stages.hasm.tracker import HandPriorTracker, TrackerOptions
from hdr_live.stages.hasm.learned import (LearnedHasm, LearnedHasmOptions, frame_masks,
                                         load_torch_mask_net, region_for_prior)
from hdr_live.stages.hasm.mediapipe_hands import HandDetection
from hdr_live.types import Frame, HandPose, Hands
from hdr_live.weights import WeightsError, write_weights

TINY = HasmSpec(input_px=64, hidden_sizes=(8, 16, 24, 32), num_heads=(1, 1, 1, 1),
                decoder_hidden_size=16)


def _hand(cx, cy, size=40.0):
    j = np.zeros((21, 2))
    for f, x in enumerate(np.linspace(-0.4, 0.4, 5)):
        for k in range(4):
            j[1 + 4 * f + k] = (cx + x * size, cy - (0.2 + 0.3 * k) * size)
    j[0] = (cx, cy + 0.5 * size)
    return j


def test_prior_channels_follow_the_joints():
    right, left = _hand(50, 60), _hand(150, 60)
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
    right = _hand(300, 200)
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
    prior = Hands(left=_hand(100, 100), right=_hand(300, 150))
    roi = region_for_prior(prior, 1.2)
    allp = np.concatenate([prior.left, prior.right])
    half = roi.size_px / 2
    assert np.all(np.abs(allp - roi.center_xy) <= half)
    with pytest.raises(ValueError):
        region_for_prior(Hands(), 1.5)


class ScriptedDetector:
    """Stands in for MediaPipe: returns scripted detections frame by frame."""

    def __init__(self, script):
        self.script = list(script)

    def detect(self, frame):
        return self.script.pop(0) if self.script else []

    def close(self):
        pass


def _det(side, joints):
    return HandDetection(side, joints, np.zeros((21, 3)), 0.9)


def _pose(side, joints, score=0.9):
    return HandPose(side, joints, np.zeros((21, 3)), np.ones(21, bool), score)


FRAME = Frame(np.zeros((240, 400, 3), np.uint8), 0, 0.0)


def test_tracker_keeps_identity_when_labels_flip_for_a_few_frames():
    a, b = _hand(100, 120), _hand(300, 120)
    flipped = [[_det(Side.LEFT, a), _det(Side.RIGHT, b)]] * 5
    script = [[_det(Side.RIGHT, a), _det(Side.LEFT, b)]] + flipped
    tracker = HandPriorTracker(ScriptedDetector(script), TrackerOptions(flip_after=15))
    prev = Hands()
    for _ in range(6):
        prior = tracker.update(FRAME, prev)
        np.testing.assert_allclose(prior.right.joints_px, a)
        np.testing.assert_allclose(prior.left.joints_px, b)
        prev = Hands(right=_pose(Side.RIGHT, prior.right.joints_px),
                     left=_pose(Side.LEFT, prior.left.joints_px))


def test_tracker_flips_after_persistent_evidence_when_other_side_free():
    a = _hand(100, 120)
    script = [[_det(Side.RIGHT, a)]] + [[_det(Side.LEFT, a)]] * 4
    tracker = HandPriorTracker(ScriptedDetector(script), TrackerOptions(flip_after=3))
    prev = Hands()
    sides = []
    for _ in range(5):
        prior = tracker.update(FRAME, prev)
        (side, geom), = prior.items()
        sides.append(side)
        prev = Hands().with_side(side, _pose(side, geom.joints_px))
    assert sides == [Side.RIGHT, Side.RIGHT, Side.RIGHT, Side.LEFT, Side.LEFT]


def test_tracker_never_gives_two_hands_one_side_and_drops_duplicates():
    a, b = _hand(100, 120), _hand(300, 120)
    tracker = HandPriorTracker(ScriptedDetector([[_det(Side.RIGHT, a), _det(Side.RIGHT, b)]]))
    prior = tracker.update(FRAME, Hands())
    assert prior.right is not None and prior.left is not None
    # the previous frame's two poses collapsed onto one hand: one track survives
    tracker = HandPriorTracker(ScriptedDetector([[_det(Side.RIGHT, a), _det(Side.LEFT, b)], []]))
    assert len(tracker.update(FRAME, Hands())) == 2
    prev = Hands(right=_pose(Side.RIGHT, a), left=_pose(Side.LEFT, a + 2.0))
    assert len(tracker.update(FRAME, prev)) == 1
    # without coasting, low-score previous poses end their tracks at once
    tracker = HandPriorTracker(ScriptedDetector([[_det(Side.RIGHT, a)], []]),
                               TrackerOptions(coast_frames=0))
    tracker.update(FRAME, Hands())
    assert len(tracker.update(FRAME, Hands(right=_pose(Side.RIGHT, a, score=0.1)))) == 0


def test_tracker_coasts_a_lost_hand_for_a_few_frames_then_drops_it():
    a, b = _hand(100, 120), _hand(300, 120)
    tracker = HandPriorTracker(ScriptedDetector([[_det(Side.RIGHT, a), _det(Side.LEFT, b)]]),
                               TrackerOptions(coast_frames=3))
    tracker.update(FRAME, Hands())
    only_right = Hands(right=_pose(Side.RIGHT, a))
    for _ in range(3):  # the pipeline lost the left hand: its last joints stay the prior
        prior = tracker.update(FRAME, only_right)
        np.testing.assert_allclose(prior.left.joints_px, b)
    assert tracker.update(FRAME, only_right).left is None  # the 4th frame: dropped
    # a coasting track found again by the pipeline is live again (its miss count restarts)
    tracker = HandPriorTracker(ScriptedDetector([[_det(Side.RIGHT, a), _det(Side.LEFT, b)]]),
                               TrackerOptions(coast_frames=2))
    tracker.update(FRAME, Hands())
    tracker.update(FRAME, only_right)
    both = Hands(right=_pose(Side.RIGHT, a), left=_pose(Side.LEFT, b + 1.0))
    for _ in range(2):
        tracker.update(FRAME, both)
        assert tracker.update(FRAME, only_right).left is not None


def test_a_coasting_track_on_top_of_a_live_hand_is_the_duplicate_dropped():
    a = _hand(100, 120)
    tracker = HandPriorTracker(ScriptedDetector([[_det(Side.RIGHT, a), _det(Side.LEFT, a + 60)]]),
                               TrackerOptions(coast_frames=5))
    tracker.update(FRAME, Hands())
    # the right hand moved onto the left hand's last place; the left is lost (coasting)
    prior = tracker.update(FRAME, Hands(right=_pose(Side.RIGHT, a + 61)))
    assert prior.left is None and prior.right is not None


def test_learned_hasm_masks_are_consistent():
    torch.manual_seed(2)
    net = HasmNet(TINY).eval()

    def run(x):
        with torch.inference_mode():
            return net(torch.from_numpy(x)).numpy() * 20.0  # sharpen: many pixels pass

    a, b = _hand(150, 130), _hand(200, 130)
    tracker = HandPriorTracker(ScriptedDetector([[_det(Side.RIGHT, a), _det(Side.LEFT, b)]]))
    hasm = LearnedHasm(run, TINY, tracker)
    out = hasm.segment(FRAME, Hands())
    m = out.masks
    assert m.right_amodal.shape == (240, 400)
    for side in Side:
        assert not (m.visible(side) & ~m.amodal(side)).any()
    assert not (m.left_visible & m.right_visible).any()
    np.testing.assert_allclose(out.prior_joints_px.right, a)
    # no prior at all: empty masks, no network call needed
    empty = LearnedHasm(run, TINY, HandPriorTracker(ScriptedDetector([]))).segment(FRAME, Hands())
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
    prior = Hands(right=_hand(50, 70), left=_hand(145, 45))  # hand size 40 px: 1600 px²
    masks = frame_masks(probs, to_frame, frame, prior, spec, LearnedHasmOptions(min_primed_area=0.5))
    assert masks.right_amodal.sum() >= 3000 and masks.right_visible.any()
    assert not masks.left_amodal.any() and not masks.left_visible.any()  # 100 px² < 800 px²
    kept = frame_masks(probs, to_frame, frame, prior, spec, LearnedHasmOptions(min_primed_area=0.0))
    assert kept.left_amodal.sum() >= 64
    # a large left mask counts only near the left prior: far from it, the hand is still absent
    far = probs.copy()
    far[2:4, 60:95, 5:40] = 0.9  # 70x70 frame px around (45, 155), the prior is at (145, 45)
    assert not frame_masks(far, to_frame, frame, prior, spec, LearnedHasmOptions()).left_amodal.any()
    # the same small left mask without a prior: judged against the region's area instead
    alone = frame_masks(probs, to_frame, frame, Hands(right=prior.right), spec,
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

    a, b = _hand(150, 130), _hand(230, 130)
    script = [[_det(Side.RIGHT, a), _det(Side.LEFT, b)], [_det(Side.RIGHT, a + 3)], []]
    one = LearnedHasm(run, TINY, HandPriorTracker(ScriptedDetector(script)))
    two = LearnedHasm(run, TINY, HandPriorTracker(ScriptedDetector(script)))
    assert isinstance(two, TwoPhaseHasm)
    prev = Hands()
    for _ in range(3):
        x, y = one.segment(FRAME, prev), two.segment_detected(FRAME, two.detect(FRAME), prev)
        for side in Side:
            np.testing.assert_array_equal(x.masks.amodal(side), y.masks.amodal(side))
            np.testing.assert_array_equal(x.masks.visible(side), y.masks.visible(side))
        assert set(dict(x.prior_joints_px.items())) == set(dict(y.prior_joints_px.items()))
        prev = Hands(**{s.value: _pose(s, j) for s, j in x.prior_joints_px.items()})
    assert len(prev) == 2  # the tracks held through the frame without detections


def test_a_fast_hand_is_not_coasted():
    a, b = _hand(100, 120), _hand(300, 120)
    tracker = HandPriorTracker(ScriptedDetector([[_det(Side.RIGHT, a), _det(Side.LEFT, b)]]),
                               TrackerOptions(coast_frames=5, max_coast_speed=0.2))
    tracker.update(FRAME, Hands())
    # the left hand's pose jumps 30 px (hand size 40 px: 0.75 sizes per frame), then is lost
    tracker.update(FRAME, Hands(right=_pose(Side.RIGHT, a), left=_pose(Side.LEFT, b)))
    tracker.update(FRAME, Hands(right=_pose(Side.RIGHT, a), left=_pose(Side.LEFT, b + 30.0)))
    assert tracker.update(FRAME, Hands(right=_pose(Side.RIGHT, a))).left is None
    # the same with a slow hand (2 px a frame): coasted
    tracker = HandPriorTracker(ScriptedDetector([[_det(Side.RIGHT, a), _det(Side.LEFT, b)]]),
                               TrackerOptions(coast_frames=5, max_coast_speed=0.2))
    tracker.update(FRAME, Hands())
    tracker.update(FRAME, Hands(right=_pose(Side.RIGHT, a), left=_pose(Side.LEFT, b)))
    tracker.update(FRAME, Hands(right=_pose(Side.RIGHT, a), left=_pose(Side.LEFT, b + 2.0)))
    assert tracker.update(FRAME, Hands(right=_pose(Side.RIGHT, a))).left is not None


def test_one_hand_reported_twice_does_not_swap_the_track():
    """MediaPipe may return one hand twice (right 0.98, left 0.0); the right track stays right
    and no left hand is born on top of it."""
    a = _hand(100, 120)
    tracker = HandPriorTracker(ScriptedDetector([
        [_det(Side.RIGHT, a)],
        [HandDetection(Side.RIGHT, a + 4.0, np.zeros((21, 3)), 0.98),
         HandDetection(Side.LEFT, a + 2.0, np.zeros((21, 3)), 0.0)],
    ]))
    tracker.update(FRAME, Hands())
    prior = tracker.update(FRAME, Hands(right=_pose(Side.RIGHT, a)))
    assert prior.left is None
    np.testing.assert_allclose(prior.right.joints_px, a + 4.0)


def test_a_new_track_on_top_of_an_old_one_is_the_one_dropped():
    a = _hand(100, 120)
    tracker = HandPriorTracker(ScriptedDetector([[_det(Side.RIGHT, a)], [_det(Side.LEFT, a + 100)]]))
    tracker.update(FRAME, Hands())
    # the pipeline's poses put both hands on the right hand's place: the old right track stays
    prior = tracker.update(FRAME, Hands(right=_pose(Side.RIGHT, a)))
    assert prior.right is not None and prior.left is not None
    prior = tracker.update(FRAME, Hands(right=_pose(Side.RIGHT, a), left=_pose(Side.LEFT, a + 1)))
    assert prior.right is not None and prior.left is None


def test_a_hand_lost_touching_the_other_coasts_longer():
    """A slow hand lost next to the other hand (hidden behind it) keeps its prior for
    ``occluded_coast_frames``; one lost far from it only for ``coast_frames``."""
    opts = TrackerOptions(coast_frames=2, occluded_coast_frames=6, contact_dist=0.5)
    for left_at, expected in ((_hand(130, 120), 6), (_hand(300, 120), 2)):
        a = _hand(100, 120)  # hand size 40 px; the near left hand's joints are 14 px away
        tracker = HandPriorTracker(
            ScriptedDetector([[_det(Side.RIGHT, a), _det(Side.LEFT, left_at)]]), opts)
        tracker.update(FRAME, Hands())
        tracker.update(FRAME, Hands(right=_pose(Side.RIGHT, a), left=_pose(Side.LEFT, left_at)))
        only_right = Hands(right=_pose(Side.RIGHT, a))
        coasted = 0
        while tracker.update(FRAME, only_right).left is not None:
            coasted += 1
            assert coasted <= 10
        assert coasted == expected


def test_a_detection_elsewhere_replaces_a_coasting_track_of_its_side():
    a, b, elsewhere = _hand(100, 120), _hand(135, 120), _hand(300, 60)
    tracker = HandPriorTracker(
        ScriptedDetector([[_det(Side.RIGHT, a), _det(Side.LEFT, b)], [], [],
                          [_det(Side.LEFT, elsewhere)]]),
        TrackerOptions(coast_frames=2, occluded_coast_frames=30))
    tracker.update(FRAME, Hands())
    both = Hands(right=_pose(Side.RIGHT, a), left=_pose(Side.LEFT, b))
    tracker.update(FRAME, both)
    only_right = Hands(right=_pose(Side.RIGHT, a))
    np.testing.assert_allclose(tracker.update(FRAME, only_right).left.joints_px, b)  # coasting
    prior = tracker.update(FRAME, only_right)  # MediaPipe finds a left hand far from it
    np.testing.assert_allclose(prior.left.joints_px, elsewhere)
    np.testing.assert_allclose(prior.right.joints_px, a)


class ScriptedReacquirer:
    """Stands in for the palm re-acquirer: records what it was told and finds nothing."""

    def __init__(self):
        self.known_sides = []

    def find(self, frame, known):
        self.known_sides.append(sorted(s.value for s, _ in known.items()))
        return []


def test_the_reacquirer_looks_while_a_hand_only_coasts():
    a, b = _hand(100, 120), _hand(135, 120)
    reacquirer = ScriptedReacquirer()
    tracker = HandPriorTracker(ScriptedDetector([[_det(Side.RIGHT, a), _det(Side.LEFT, b)]]),
                               TrackerOptions(reacquire_every=1), reacquirer)
    tracker.update(FRAME, Hands())
    assert reacquirer.known_sides == []  # both hands live: no need to look
    tracker.update(FRAME, Hands(right=_pose(Side.RIGHT, a), left=_pose(Side.LEFT, b)))
    prior = tracker.update(FRAME, Hands(right=_pose(Side.RIGHT, a)))
    assert prior.left is not None  # coasting, and looked for among the live hands only
    assert reacquirer.known_sides == [["right"]]
