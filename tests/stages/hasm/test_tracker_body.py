"""The tracker with the body as evidence (hdr_live.stages.hasm.from_body), on generated frames
and a scripted body: sides by arm, hidden hands anchored at their wrist or dropped, and a hand
lost at the frame's edge not coasted."""

import numpy as np
import pytest

from hdr_live.geometry import Roi
from hdr_live.joints import Side
from hdr_live.stages.body.pose import BodyJoint, BodyPose
from hdr_live.stages.hasm.from_body import BodyHands
from hdr_live.stages.hasm.tracker import HandPriorTracker, TrackerOptions
from hdr_live.types import Hands
from support import BLANK_FRAME, ScriptedDetector, hand_box_joints, scripted_detection, scripted_pose


class ScriptedBody:
    """Stands in for the body tracker: the same measured pose on every frame."""

    def __init__(self, pose):
        self.pose, self.ran = pose, (True, False)

    def update(self, frame):
        return self.pose

    def reset(self):
        pass


def body_with_wrists(right_xy, left_xy, visibility=(1.0, 1.0)) -> BodyPose:
    """A body facing the camera whose wrists are at the given frame pixels (elbows 60 px
    below, knuckles 15 px above)."""
    lm = np.zeros((33, 2))
    vis = np.ones(33)
    for side, xy, v in ((Side.RIGHT, right_xy, visibility[0]), (Side.LEFT, left_xy, visibility[1])):
        r = side is Side.RIGHT
        wrist = np.asarray(xy, float)
        lm[BodyJoint.RIGHT_WRIST if r else BodyJoint.LEFT_WRIST] = wrist
        lm[BodyJoint.RIGHT_ELBOW if r else BodyJoint.LEFT_ELBOW] = wrist + (0, 60)
        lm[BodyJoint.RIGHT_SHOULDER if r else BodyJoint.LEFT_SHOULDER] = wrist + (0, 120)
        for j in ((BodyJoint.RIGHT_INDEX, BodyJoint.RIGHT_PINKY) if r
                  else (BodyJoint.LEFT_INDEX, BodyJoint.LEFT_PINKY)):
            lm[j] = wrist + (0, -15)
        vis[BodyJoint.RIGHT_WRIST if r else BodyJoint.LEFT_WRIST] = v
    return BodyPose(lm, vis, 1.0, Roi((200.0, 120.0), 300.0))


@pytest.fixture
def body_hands(shpe):
    def make(pose):
        return BodyHands(ScriptedBody(pose), shpe)
    return make


def test_a_detection_takes_the_side_of_the_arm_it_hangs_from(body_hands):
    a, b = hand_box_joints(100, 120), hand_box_joints(300, 120)
    body = body_with_wrists(right_xy=a[0], left_xy=b[0])
    # the detector calls both hands by the wrong side
    script = [[scripted_detection(Side.LEFT, a), scripted_detection(Side.RIGHT, b)]]
    tracker = HandPriorTracker(ScriptedDetector(script), TrackerOptions(), body=body_hands(body))
    prior = tracker.update(BLANK_FRAME, Hands())
    np.testing.assert_allclose(prior.right.joints_px, a)
    np.testing.assert_allclose(prior.left.joints_px, b)
    # without the body the detector's sides stand
    plain = HandPriorTracker(ScriptedDetector(script), TrackerOptions())
    np.testing.assert_allclose(plain.update(BLANK_FRAME, Hands()).left.joints_px, a)


def _lose_left(body_hands, body, options=TrackerOptions(coast_frames=5)):
    a, b = hand_box_joints(100, 120), hand_box_joints(300, 120)
    script = [[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, b)]]
    tracker = HandPriorTracker(ScriptedDetector(script), options, body=body_hands(body))
    tracker.update(BLANK_FRAME, Hands())
    return tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a))), a, b


def test_a_lost_hand_whose_wrist_is_in_plain_view_is_dropped(body_hands):
    a, b = hand_box_joints(100, 120), hand_box_joints(300, 120)
    prior, _, _ = _lose_left(body_hands, body_with_wrists(a[0], b[0]))
    assert prior.left is None


def test_a_lost_hand_whose_wrist_is_at_the_other_hand_is_kept_at_its_wrist(body_hands):
    a, b = hand_box_joints(100, 120), hand_box_joints(300, 120)
    wrist = a[0] + (25.0, -10.0)  # the left arm reaches behind the right hand
    prior, _, _ = _lose_left(body_hands, body_with_wrists(a[0], wrist, visibility=(1.0, 0.2)))
    assert prior.left is not None
    np.testing.assert_allclose(prior.left.joints_px[0], wrist)
    np.testing.assert_allclose(prior.left.joints_px - prior.left.joints_px[0], b - b[0])
    # the same arm far from the right hand: nothing there to hide it, so no hidden hand
    far, _, _ = _lose_left(body_hands, body_with_wrists(a[0], b[0] + (12.0, 5.0), (1.0, 0.2)))
    assert far.left is None


def test_tracks_take_their_arms_sides_only_after_persistent_evidence(body_hands):
    a, b = hand_box_joints(100, 120), hand_box_joints(300, 120)
    body = body_with_wrists(right_xy=b[0], left_xy=a[0])  # the arms say: a is the left hand
    script = [[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, b)]]
    plain = HandPriorTracker(ScriptedDetector(script), TrackerOptions())
    first = plain.update(BLANK_FRAME, Hands())  # tracks born without the body
    tracker = HandPriorTracker(ScriptedDetector([[]] * 20), TrackerOptions(arm_flip_after=4),
                               body=body_hands(body))
    tracker._tracks = plain._tracks  # the same two tracks, now with the body in view
    prev = Hands(right=scripted_pose(Side.RIGHT, first.right.joints_px),
                 left=scripted_pose(Side.LEFT, first.left.joints_px))
    rights = []
    for _ in range(5):
        prior = tracker.update(BLANK_FRAME, prev)
        rights.append(bool(np.allclose(prior.right.joints_px, a)))
        prev = Hands(right=scripted_pose(Side.RIGHT, prior.right.joints_px),
                     left=scripted_pose(Side.LEFT, prior.left.joints_px))
    assert rights == [True, True, True, False, False]


def test_a_lost_hand_whose_wrist_left_the_frame_is_dropped(body_hands):
    a, b = hand_box_joints(100, 120), hand_box_joints(300, 120)
    prior, _, _ = _lose_left(body_hands, body_with_wrists(a[0], (450.0, 130.0), (1.0, 0.2)))
    assert prior.left is None


def test_a_hand_lost_at_the_frame_edge_is_not_coasted():
    inside, edge = hand_box_joints(150, 120), hand_box_joints(385, 120)  # frame is 400 wide
    for joints, kept in ((inside, True), (edge, False)):
        tracker = HandPriorTracker(ScriptedDetector([[scripted_detection(Side.LEFT, joints)]]),
                                   TrackerOptions(coast_frames=5))
        tracker.update(BLANK_FRAME, Hands())
        tracker.update(BLANK_FRAME, Hands(left=scripted_pose(Side.LEFT, joints)))
        assert (tracker.update(BLANK_FRAME, Hands()).left is not None) is kept


class CountingReacquirer:
    """Stands in for the palm re-acquirer: counts its blind searches and finds nothing."""

    def __init__(self):
        self.calls = 0

    def find(self, frame, known):
        self.calls += 1
        return []


def _blind_searches(body_hands, body, frames=8):
    """Blind searches over ``frames`` frames after the left hand is lost next to the right."""
    a, b = hand_box_joints(100, 120), hand_box_joints(135, 120)
    reacquirer = CountingReacquirer()
    options = TrackerOptions(reacquire_every=1, reacquire_at_wrists=True, coast_frames=20,
                             flow=None)
    script = [[scripted_detection(Side.RIGHT, a), scripted_detection(Side.LEFT, b)]]
    tracker = HandPriorTracker(ScriptedDetector(script), options, reacquirer,
                               body=None if body is None else body_hands(body))
    tracker.update(BLANK_FRAME, Hands())
    searched = []
    for _ in range(frames):
        tracker.update(BLANK_FRAME, Hands(right=scripted_pose(Side.RIGHT, a)))
        searched.append(tracker.searched_at_wrists)
    return reacquirer.calls, searched


def test_a_hidden_hand_is_looked_for_at_its_wrist_not_by_blind_searches(body_hands):
    a = hand_box_joints(100, 120)
    # the left arm's wrist is seen, at the right hand: after one blind search on the loss's
    # first frame the hidden hand is looked for there (the body's proposals), and the
    # detector's budget is told so
    at_wrist = body_with_wrists(a[0], a[0] + (25.0, -10.0))
    calls, searched = _blind_searches(body_hands, at_wrist)
    assert calls == 1
    assert searched == [frozenset({Side.LEFT})] * 8
    # no body, or the left arm's wrist not seen: the blind search runs on every frame
    assert _blind_searches(body_hands, None) == (8, [frozenset()] * 8)
    unseen = body_with_wrists(a[0], a[0] + (25.0, -10.0), visibility=(1.0, 0.2))
    assert _blind_searches(body_hands, unseen) == (8, [frozenset()] * 8)
