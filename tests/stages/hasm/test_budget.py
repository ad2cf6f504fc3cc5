"""Tracking mode: when the learned HASM's detector runs (hdr_live/stages/hasm/budget.py)."""

import threading

import numpy as np
import pytest

from support import scripted_pose
from hdr_live.joints import Side
from hdr_live.stages.hasm.budget import WARMUP_FRAMES, BudgetOptions, DetectBudget
from hdr_live.types import Hands

J = np.random.default_rng(0).uniform(50, 150, (21, 2))


def _both(score_right=0.95, score_left=0.95):
    return Hands(right=scripted_pose(Side.RIGHT, J, score_right),
                 left=scripted_pose(Side.LEFT, J + 200, score_left))


def _run(budget, poses):
    """Serial use: decide(k) then observe(poses of frame k−1), as the pipeline calls them."""
    ran, previous = [], Hands()
    for pose in poses:
        ran.append(budget.decide())
        budget.observe(previous)
        previous = pose
    return ran


def test_schedule_with_both_hands_tracked():
    ran = _run(DetectBudget(BudgetOptions(detect_every=5)), [_both()] * 23)
    assert ran[:WARMUP_FRAMES] == [True] * WARMUP_FRAMES
    assert [k for k, r in enumerate(ran) if r] == [0, 1, 6, 11, 16, 21]


def test_a_lost_or_weak_hand_asks_for_the_detector_two_frames_later():
    poses = [_both()] * 8 + [Hands(right=_both().right)] * 3 + [_both(0.6)] + [_both()] * 6
    ran = _run(DetectBudget(BudgetOptions(detect_every=100)), poses)
    # frames 8-10 lost the left hand, frame 11 is weak: frames 10-13 run the detector
    assert [k for k, r in enumerate(ran) if r] == [0, 1, 10, 11, 12, 13]


def test_a_hand_looked_for_at_its_wrist_does_not_count_as_lost():
    poses = [_both()] * 4 + [Hands(right=_both().right)] * 6
    budget, ran, previous = DetectBudget(BudgetOptions(detect_every=100)), [], Hands()
    for pose in poses:
        ran.append(budget.decide())
        # the tracker looks for the lost left hand at its wrist (and says the right one too:
        # a hand both posed and looked for counts once)
        lost = previous.right is not None and previous.left is None
        budget.observe(previous, frozenset({Side.LEFT, Side.RIGHT}) if lost else frozenset())
        previous = pose
    assert [k for k, r in enumerate(ran) if r] == [0, 1]
    # without that, the lost hand asks for the detector from two frames later
    assert [k for k, r in enumerate(_run(DetectBudget(BudgetOptions(detect_every=100)), poses))
            if r] == [0, 1, 6, 7, 8, 9]


def test_reset_starts_a_new_sequence():
    budget = DetectBudget(BudgetOptions(detect_every=100))
    _run(budget, [_both()] * 6)
    budget.reset()
    assert _run(budget, [_both()] * 4) == [True, True, False, False]


def test_pipelined_decisions_equal_serial_ones():
    """decide() on one thread, observe() on another, one frame apart: same decisions."""
    poses = ([_both()] * 5 + [Hands(left=_both().left)] * 4 + [_both(0.7)] + [_both()] * 15)
    want = _run(DetectBudget(BudgetOptions(detect_every=4)), poses)
    budget = DetectBudget(BudgetOptions(detect_every=4))
    got = []

    def prepare():
        for _ in poses:
            got.append(budget.decide())

    thread = threading.Thread(target=prepare)
    thread.start()
    previous = Hands()
    for pose in poses:
        budget.observe(previous)
        previous = pose
    thread.join(5)
    assert got == want


def test_bad_options_are_refused():
    with pytest.raises(ValueError):
        BudgetOptions(detect_every=0)
