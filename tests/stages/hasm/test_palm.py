"""Palm re-acquisition on real images where MediaPipe Hands finds no hand."""

import numpy as np
import pytest

from support import CLASPED, SINGLE_RIGHT, need_real
from hdr_live.eval2d import epe_px, load_ground_truth
from hdr_live.io.sources import read_image
from hdr_live.joints import Side
from hdr_live.stages.hasm.tracker import HandPriorTracker, TrackerOptions
from hdr_live.stages.hasm.mediapipe_hands import MediaPipeHands, MediaPipeHandsOptions
from hdr_live.stages.hasm.palm import PalmReacquirer, _anchors
from hdr_live.types import Frame, Hands


@pytest.fixture(scope="module")
def reacquirer(shpe):
    return PalmReacquirer(shpe)


def test_anchor_grid():
    a = _anchors()
    assert a.shape == (2016, 2)
    assert np.allclose(a[0], [0.5 / 24, 0.5 / 24]) and np.allclose(a[-1], [11.5 / 12, 11.5 / 12])


@pytest.mark.parametrize("stem,sides", [(CLASPED, {Side.LEFT, Side.RIGHT}), (SINGLE_RIGHT, {Side.RIGHT})])
def test_reacquirer_finds_the_hands_mediapipe_misses(reacquirer, stem, sides):
    gt = load_ground_truth(need_real(stem.with_suffix(".gt.json")))
    frame = Frame(read_image(gt.image_path), 0, 0.0)
    with MediaPipeHands(MediaPipeHandsOptions(static_image_mode=True)) as mp_hands:
        assert mp_hands.detect(frame) == []  # the reason this module exists
    found = reacquirer.find(frame, Hands())
    assert {d.side for d in found} == sides
    for det in found:
        assert epe_px(det.joints_px, gt.joints_px.get(det.side)) < 20.0
        np.testing.assert_allclose(det.joints_rel_m[0], 0.0, atol=1e-9)


def test_known_hands_are_not_found_again(reacquirer):
    gt = load_ground_truth(need_real(SINGLE_RIGHT.with_suffix(".gt.json")))
    frame = Frame(read_image(gt.image_path), 0, 0.0)
    assert reacquirer.find(frame, Hands(right=gt.joints_px.right)) == []


def test_tracker_uses_the_reacquirer_for_stills(reacquirer):
    gt = load_ground_truth(need_real(CLASPED.with_suffix(".gt.json")))
    frame = Frame(read_image(gt.image_path), 0, 0.0)
    with MediaPipeHands(MediaPipeHandsOptions(static_image_mode=True)) as det:
        tracker = HandPriorTracker(det, TrackerOptions(reacquire_every=1), reacquirer)
        prior = tracker.update(frame, Hands())
    assert len(prior) == 2
    assert epe_px(prior.left.joints_px, gt.joints_px.left) < 20.0
