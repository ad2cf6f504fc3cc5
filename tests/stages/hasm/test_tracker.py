"""The learned HASM's joint-prior tracker (hdr_live.stages.hasm.tracker) with scripted detectors:
identity through label flips, one side per hand, duplicates, coasting, re-acquisition."""


import numpy as np

from hdr_live.joints import Side
from hdr_live.stages.hasm.tracker import HandPriorTracker, TrackerOptions
from hdr_live.stages.hasm.mediapipe_hands import HandDetection
from hdr_live.types import Hands
from support import BLANK_FRAME, ScriptedDetector, hand_box_joints, scripted_detection, scripted_pose











def test_tracker_keeps_identity_when_labels_flip_for_a_few_frames():
    a, b = hand_box_joints(100, 120), hand_box_joints(300, 120)
    flipped = [[scripted_detection(Side.LEFT, a), scripted_detection(Side.RIGHT, b)]] * 5
    script = [[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, b)]] + flipped
    tracker = HandPriorTracker(ScriptedDetector(script), TrackerOptions(flip_after=15))
    prev = Hands()
    for _ in range(6):
        prior = tracker.update(BLANK_FRAME, prev)
        np.testing.assert_allclose(prior.right.joints_px, a)
        np.testing.assert_allclose(prior.left.joints_px, b)
        prev = Hands(right=scripted_pose(Side.RIGHT, prior.right.joints_px),
                     left=scripted_pose(Side.LEFT, prior.left.joints_px))


def test_tracker_flips_after_persistent_evidence_when_other_side_free():
    a = hand_box_joints(100, 120)
    script = [[scripted_detection(Side.RIGHT, a)]] + [[scripted_detection(Side.LEFT, a)]] * 4
    tracker = HandPriorTracker(ScriptedDetector(script), TrackerOptions(flip_after=3))
    prev = Hands()
    sides = []
    for _ in range(5):
        prior = tracker.update(BLANK_FRAME, prev)
        (side, geom), = prior.items()
        sides.append(side)
        prev = Hands().with_side(side, scripted_pose(side, geom.joints_px))
    assert sides == [Side.RIGHT, Side.RIGHT, Side.RIGHT, Side.LEFT, Side.LEFT]


def test_tracker_never_gives_two_hands_one_side_and_drops_duplicates():
    a, b = hand_box_joints(100, 120), hand_box_joints(300, 120)
    tracker = HandPriorTracker(ScriptedDetector([[scripted_detection(Side.RIGHT, a), scripted_detection(Side.RIGHT, b)]]))
    prior = tracker.update(BLANK_FRAME, Hands())
    assert prior.right is not None and prior.left is not None
    # the previous frame's two poses collapsed onto one hand: one track survives
    tracker = HandPriorTracker(ScriptedDetector([[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, b)], []]))
    assert len(tracker.update(BLANK_FRAME, Hands())) == 2
    prev = Hands(right=scripted_pose(Side.RIGHT, a), left=scripted_pose(Side.LEFT, a + 2.0))
    assert len(tracker.update(BLANK_FRAME, prev)) == 1
    # without coasting, low-score previous poses end their tracks at once
    tracker = HandPriorTracker(ScriptedDetector([[scripted_detection(Side.RIGHT, a)], []]),
                               TrackerOptions(coast_frames=0))
    tracker.update(BLANK_FRAME, Hands())
    assert len(tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a, score=0.1)))) == 0


def test_tracker_coasts_a_lost_hand_for_a_few_frames_then_drops_it():
    a, b = hand_box_joints(100, 120), hand_box_joints(300, 120)
    tracker = HandPriorTracker(ScriptedDetector([[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, b)]]),
                               TrackerOptions(coast_frames=3))
    tracker.update(BLANK_FRAME, Hands())
    only_right = Hands(right=scripted_pose(Side.RIGHT, a))
    for _ in range(3):  # the pipeline lost the left hand: its last joints stay the prior
        prior = tracker.update(BLANK_FRAME, only_right)
        np.testing.assert_allclose(prior.left.joints_px, b)
    assert tracker.update(BLANK_FRAME, only_right).left is None  # the 4th frame: dropped
    # a coasting track found again by the pipeline is live again (its miss count restarts)
    tracker = HandPriorTracker(ScriptedDetector([[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, b)]]),
                               TrackerOptions(coast_frames=2))
    tracker.update(BLANK_FRAME, Hands())
    tracker.update(BLANK_FRAME, only_right)
    both = Hands(right=scripted_pose(Side.RIGHT, a), left=scripted_pose(Side.LEFT, b + 1.0))
    for _ in range(2):
        tracker.update(BLANK_FRAME, both)
        assert tracker.update(BLANK_FRAME, only_right).left is not None


def test_a_coasting_track_on_top_of_a_live_hand_is_the_duplicate_dropped():
    a = hand_box_joints(100, 120)
    tracker = HandPriorTracker(ScriptedDetector([[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, a + 60)]]),
                               TrackerOptions(coast_frames=5))
    tracker.update(BLANK_FRAME, Hands())
    # the right hand moved onto the left hand's last place; the left is lost (coasting)
    prior = tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a + 61)))
    assert prior.left is None and prior.right is not None


def test_a_fast_hand_is_not_coasted():
    a, b = hand_box_joints(100, 120), hand_box_joints(300, 120)
    tracker = HandPriorTracker(ScriptedDetector([[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, b)]]),
                               TrackerOptions(coast_frames=5, max_coast_speed=0.2))
    tracker.update(BLANK_FRAME, Hands())
    # the left hand's pose jumps 30 px (hand size 40 px: 0.75 sizes per frame), then is lost
    tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a), left=scripted_pose(Side.LEFT, b)))
    tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a), left=scripted_pose(Side.LEFT, b + 30.0)))
    assert tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a))).left is None
    # the same with a slow hand (2 px a frame): coasted
    tracker = HandPriorTracker(ScriptedDetector([[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, b)]]),
                               TrackerOptions(coast_frames=5, max_coast_speed=0.2))
    tracker.update(BLANK_FRAME, Hands())
    tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a), left=scripted_pose(Side.LEFT, b)))
    tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a), left=scripted_pose(Side.LEFT, b + 2.0)))
    assert tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a))).left is not None


def test_one_hand_reported_twice_does_not_swap_the_track():
    """MediaPipe may return one hand twice (right 0.98, left 0.0); the right track stays right
    and no left hand is born on top of it."""
    a = hand_box_joints(100, 120)
    tracker = HandPriorTracker(ScriptedDetector([
        [scripted_detection(Side.RIGHT, a)],
        [HandDetection(Side.RIGHT, a + 4.0, np.zeros((21, 3)), 0.98),
         HandDetection(Side.LEFT, a + 2.0, np.zeros((21, 3)), 0.0)],
    ]))
    tracker.update(BLANK_FRAME, Hands())
    prior = tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a)))
    assert prior.left is None
    np.testing.assert_allclose(prior.right.joints_px, a + 4.0)


def test_a_new_track_on_top_of_an_old_one_is_the_one_dropped():
    a = hand_box_joints(100, 120)
    tracker = HandPriorTracker(ScriptedDetector([[scripted_detection(Side.RIGHT, a)], [scripted_detection(Side.LEFT, a + 100)]]))
    tracker.update(BLANK_FRAME, Hands())
    # the pipeline's poses put both hands on the right hand's place: the old right track stays
    prior = tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a)))
    assert prior.right is not None and prior.left is not None
    prior = tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a), left=scripted_pose(Side.LEFT, a + 1)))
    assert prior.right is not None and prior.left is None


def test_a_hand_lost_touching_the_other_coasts_longer():
    """A slow hand lost next to the other hand (hidden behind it) keeps its prior for
    ``occluded_coast_frames``; one lost far from it only for ``coast_frames``."""
    opts = TrackerOptions(coast_frames=2, occluded_coast_frames=6, contact_dist=0.5)
    for left_at, expected in ((hand_box_joints(130, 120), 6), (hand_box_joints(300, 120), 2)):
        a = hand_box_joints(100, 120)  # hand size 40 px; the near left hand's joints are 14 px away
        tracker = HandPriorTracker(
            ScriptedDetector([[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, left_at)]]), opts)
        tracker.update(BLANK_FRAME, Hands())
        tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a), left=scripted_pose(Side.LEFT, left_at)))
        only_right = Hands(right=scripted_pose(Side.RIGHT, a))
        coasted = 0
        while tracker.update(BLANK_FRAME, only_right).left is not None:
            coasted += 1
            assert coasted <= 10
        assert coasted == expected


def test_a_detection_elsewhere_replaces_a_coasting_track_of_its_side():
    a, b, elsewhere = hand_box_joints(100, 120), hand_box_joints(135, 120), hand_box_joints(300, 60)
    tracker = HandPriorTracker(
        ScriptedDetector([[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, b)], [], [],
                          [scripted_detection(Side.LEFT, elsewhere)]]),
        TrackerOptions(coast_frames=2, occluded_coast_frames=30))
    tracker.update(BLANK_FRAME, Hands())
    both = Hands(right=scripted_pose(Side.RIGHT, a), left=scripted_pose(Side.LEFT, b))
    tracker.update(BLANK_FRAME, both)
    only_right = Hands(right=scripted_pose(Side.RIGHT, a))
    np.testing.assert_allclose(tracker.update(BLANK_FRAME, only_right).left.joints_px, b)  # coasting
    prior = tracker.update(BLANK_FRAME, only_right)  # MediaPipe finds a left hand far from it
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
    a, b = hand_box_joints(100, 120), hand_box_joints(135, 120)
    reacquirer = ScriptedReacquirer()
    tracker = HandPriorTracker(ScriptedDetector([[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, b)]]),
                               TrackerOptions(reacquire_every=1), reacquirer)
    tracker.update(BLANK_FRAME, Hands())
    assert reacquirer.known_sides == []  # both hands live: no need to look
    tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a), left=scripted_pose(Side.LEFT, b)))
    prior = tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a)))
    assert prior.left is not None  # coasting, and looked for among the live hands only
    assert reacquirer.known_sides == [["right"]]


def test_tracking_mode_keeps_its_own_pose_and_restarts_a_collapsed_track():
    """Tracking mode (refresh_live off, a tight match): a detection on a live track leaves the
    track's own pose; two tracks that collapsed onto one hand become one, and a detection of the
    other hand next to it (crossing hands, labelled like the kept one) starts the free side."""
    from hdr_live.joints import hand_scale_px

    a, b = hand_box_joints(100, 120), hand_box_joints(300, 120)
    c = b + [0.8 * hand_scale_px(b), 0.0]  # the other hand, 0.8 hand sizes from b
    options = TrackerOptions(refresh_live=False, match_dist=0.5, flow=None)
    script = [[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, b)],
              [scripted_detection(Side.RIGHT, a + 3.0)],
              [scripted_detection(Side.LEFT, c)]]
    tracker = HandPriorTracker(ScriptedDetector(script), options)
    prior = tracker.update(BLANK_FRAME, Hands())
    np.testing.assert_allclose(prior.right.joints_px, a)
    own = a + 1.0  # the pipeline's pose of the right hand
    prior = tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, own),
                                              left=scripted_pose(Side.LEFT, b)))
    np.testing.assert_allclose(prior.right.joints_px, own)  # not the detection's a + 3
    # both poses on hand b (the right track slid onto it); the detector sees c, labelled left
    prior = tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, b + 1.0),
                                              left=scripted_pose(Side.LEFT, b)))
    on_b = [side for side, g in prior.items() if np.abs(g.joints_px - b).max() <= 1.0]
    on_c = [side for side, g in prior.items() if np.allclose(g.joints_px, c)]
    assert len(on_b) == 1 and len(on_c) == 1 and on_b != on_c
