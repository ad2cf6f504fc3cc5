"""The tracker's prior is moved forward by optical flow (hdr_live/stages/joint_flow.py)."""

import cv2
import numpy as np
import pytest

from hdr_live.stages.hasm.joint_flow import JointFlow, JointFlowOptions


def _texture(h=240, w=320, seed=0):
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (h // 4, w // 4), dtype=np.uint8)
    grey = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    return np.dstack([grey] * 3)


def _shifted(rgb, dx, dy):
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(rgb, m, (rgb.shape[1], rgb.shape[0]), borderMode=cv2.BORDER_REFLECT)


def _joints(rng, lo=80, hi=160):
    return rng.uniform(lo, hi, (21, 2))


def test_joints_follow_a_translated_image():
    img = _texture()
    flow = JointFlow()
    flow.push(img)
    flow.push(_shifted(img, 6.0, -4.0))
    joints = _joints(np.random.default_rng(1))
    out = flow.advance(joints)
    assert out.moved
    assert out.reliable.sum() >= 18
    err = np.abs(out.joints_px - (joints + [6.0, -4.0]))
    assert np.median(err) < 0.5 and err.max() < 2.0


def test_unreliable_joints_take_the_median_shift():
    img = _texture()
    nxt = _shifted(img, 5.0, 0.0)
    nxt[:, 200:] = 128  # the right part goes flat (as if covered): no flow there
    flow = JointFlow()
    flow.push(img)
    flow.push(nxt)
    rng = np.random.default_rng(2)
    joints = np.vstack([rng.uniform(60, 140, (15, 2)), rng.uniform([240, 60], [300, 140], (6, 2))])
    out = flow.advance(joints)
    assert out.moved
    assert not out.reliable[15:].any()
    np.testing.assert_allclose(out.joints_px[15:], joints[15:] + [5.0, 0.0], atol=0.5)


def test_no_previous_frame_or_new_size_leaves_joints_unmoved():
    flow = JointFlow()
    joints = _joints(np.random.default_rng(3))
    flow.push(_texture())
    first = flow.advance(joints)
    assert not first.moved
    np.testing.assert_array_equal(first.joints_px, joints)
    flow.push(_texture(300, 400))  # another size: starts over
    assert not flow.advance(joints).moved
    flow.reset()
    flow.push(_texture())
    assert not flow.advance(joints).moved


def test_too_few_reliable_joints_do_not_move_the_hand():
    flow = JointFlow(JointFlowOptions(min_reliable=6))
    img = _texture()
    flow.push(img)
    flow.push(np.full_like(img, 90))  # everything vanished
    joints = _joints(np.random.default_rng(4))
    out = flow.advance(joints)
    assert not out.moved
    np.testing.assert_array_equal(out.joints_px, joints)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        JointFlow(JointFlowOptions(work_hand_px=0.0))
    flow = JointFlow()
    with pytest.raises(ValueError):
        flow.advance(np.zeros((20, 2)))


from hdr_live.joints import Side, hand_scale_px  # noqa: E402
from hdr_live.stages.hasm.tracker import HandPriorTracker, TrackerOptions  # noqa: E402
from hdr_live.stages.hasm.mediapipe_hands import HandDetection  # noqa: E402
from hdr_live.types import Frame, HandPose, Hands  # noqa: E402

PATCH = _texture(100, 100, seed=5)


class FirstFrameOnly:
    """MediaPipe stand-in: finds the hand on the first frame only."""

    def __init__(self, joints):
        self.left = [[HandDetection(Side.RIGHT, joints, np.zeros((21, 3)), 0.9)]]

    def detect(self, frame):
        return self.left.pop() if self.left else []

    def close(self):
        pass


def _frame(x0, index, patch=True):
    """A flat frame with the textured 'hand' patch at column ``x0``."""
    rgb = np.full((240, 320, 3), 40, np.uint8)
    if patch:
        rgb[70:170, x0:x0 + 100] = PATCH
    return Frame(rgb, index, index / 30)


def _pose(joints):
    return Hands(right=HandPose(Side.RIGHT, joints, np.zeros((21, 3)), np.ones(21, bool), 0.9))


def test_tracker_prior_moves_with_the_hand_between_frames():
    """The patch moves 8 px right: the tracker's prior for the next frame is the previous pose
    moved onto the patch, and only with flow on."""
    joints = np.random.default_rng(6).uniform([60, 80], [140, 160], (21, 2))
    for flow_on, expected in ((True, joints + [8.0, 0.0]), (False, joints)):
        options = TrackerOptions(flow=JointFlowOptions() if flow_on else None)
        tracker = HandPriorTracker(FirstFrameOnly(joints), options)
        tracker.update(_frame(50, 0), Hands())
        prior = tracker.update(_frame(58, 1), _pose(joints))
        assert np.median(np.abs(prior.right.joints_px - expected)) < 0.6, flow_on


def test_a_fast_hand_coasts_only_while_the_flow_follows_it():
    """A hand moving 8 px a frame (> 0.2 hand sizes) that the pipeline loses keeps a prior moved
    by the flow; if the flow loses it too (the patch is gone), the track ends."""
    rng = np.random.default_rng(7)
    joints = np.vstack([[80.0, 140.0], rng.uniform([70, 100], [110, 140], (20, 2))])
    joints[9] = (80.0, 120.0)  # hand size 20 px: 8 px a frame is 0.4 hand sizes
    assert 8.0 / hand_scale_px(joints) > TrackerOptions().max_coast_speed
    for patch_stays in (True, False):
        tracker = HandPriorTracker(FirstFrameOnly(joints), TrackerOptions())
        tracker.update(_frame(50, 0), Hands())
        tracker.update(_frame(58, 1), _pose(joints))
        tracker.update(_frame(66, 2), _pose(joints + [8.0, 0.0]))
        prior = tracker.update(_frame(74, 3, patch=patch_stays), Hands())  # pipeline lost it
        if patch_stays:
            assert np.median(np.abs(prior.right.joints_px - (joints + [24.0, 0.0]))) < 1.0
        else:
            assert prior.right is None


def test_flow_sees_the_same_hand_at_any_resolution():
    """The work image is sized by the hand, not the frame: a scene and its 2× upscale give the
    same motion (×2), and the frames are only read, never copied or written."""
    img = _texture(240, 320, seed=8)
    nxt = _shifted(img, 5.0, 3.0)
    joints = np.random.default_rng(9).uniform(100, 150, (21, 2))
    moved = []
    for k in (1, 2):
        a = cv2.resize(img, None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC)
        b = cv2.resize(nxt, None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC)
        a.flags.writeable = b.flags.writeable = False
        flow = JointFlow()
        flow.push(a)
        flow.push(b)
        out = flow.advance(joints * k)
        assert out.moved
        moved.append((out.joints_px - joints * k) / k)
    np.testing.assert_allclose(np.median(moved[0], axis=0), [5.0, 3.0], atol=0.3)
    np.testing.assert_allclose(np.median(moved[1], axis=0), [5.0, 3.0], atol=0.3)
