"""The real-appearance occlusion samples (benchmarks/real_occlusion.py) on real clip frames:
exact masks, the drawn overlap, both depths, the clean window kept."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from support import CLIP, REPO, need_real

BENCH = REPO / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def clip_hands():
    """Confident, fully visible hands of two real clip frames (hands apart)."""
    import av
    import mediapipe as mp

    occ = _load("real_occlusion")
    need_real(CLIP)
    hands = []
    with av.open(str(CLIP)) as container, mp.solutions.hands.Hands(
            static_image_mode=True, max_num_hands=4, model_complexity=1) as det:
        for i, frame in enumerate(container.decode(video=0)):
            if i in (0, 90):
                hands += occ._label_hands(frame.to_ndarray(format="rgb24"), f"clip#{i}", det,
                                          0.9, 30.0)
            if i >= 90:
                break
    if len({h.source for h in hands}) < 2:
        pytest.skip("MediaPipe found no confident hands apart in frames 0 and 90")
    return occ, hands


@pytest.mark.parametrize("depth", ["front", "behind"])
def test_pasted_real_hand_has_exact_masks_and_the_drawn_overlap(clip_hands, depth):
    occ, hands = clip_hands
    target = next(h for h in hands if h.source == "clip#0")
    donor = next(h for h in hands if h.source == "clip#90")
    sample = None
    for seed in range(6):
        sample = occ.make_sample(target, donor, depth, 0.3, np.random.default_rng(seed), "25-40%")
        if sample is not None:
            break
    assert sample is not None, "no offset gave a 30 % overlap in six draws"
    side, other = sample.side, sample.side.other
    ta, tv = sample.masks.amodal(side), sample.masks.visible(side)
    oa, ov = sample.masks.amodal(other), sample.masks.visible(other)
    assert abs(sample.overlap - 0.3) <= 0.05
    assert (ta & oa).sum() / ta.sum() == pytest.approx(sample.overlap)
    assert not (tv & ~ta).any() and not (ov & ~oa).any()
    assert not (tv & ov).any()  # a pixel shows one hand
    if depth == "front":
        np.testing.assert_array_equal(tv, ta & ~oa)
        assert sample.occluded_frac == pytest.approx(sample.overlap)
    else:
        np.testing.assert_array_equal(tv, ta)
        assert sample.occluded_frac == 0
    # the paste changed the window only around the pasted hand
    changed = np.abs(sample.image.astype(int) - sample.clean.astype(int)).max(-1) > 8
    import cv2
    near = cv2.dilate(oa.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert changed.any() and not (changed & ~near).any()
    # the target's joints sit on its amodal mask, mostly
    j = np.round(sample.joints_px).astype(int)
    assert ta[j[:, 1].clip(0, ta.shape[0] - 1), j[:, 0].clip(0, ta.shape[1] - 1)].mean() > 0.7
