"""The 3D stage on generated hands: observed hands get camera-frame joints from the fit, a
hidden tracked hand is inferred with a decaying score and dropped after ``max_hidden_s``,
stills are fitted afresh and never inferred."""

from __future__ import annotations

import numpy as np
import pytest

from hdr_live.fitting.fitter import HandFitter
from hdr_live.fitting.options import FitOptions
from hdr_live.fitting.synthetic import IMAGE_SIZE_PX, camera, moving_sequence, random_params
from hdr_live.camera import project
from hdr_live.hand_model.kinematics import joints_cam_batch
from hdr_live.joints import NUM_JOINTS, Side
from hdr_live.threed.stage import INFERRED_SCORE_SHARE, ThreeD
from hdr_live.types import Frame, HandMasks, HandPose, Hands

W, H = IMAGE_SIZE_PX
CAM = camera()


def _stage(tracks=True, max_hidden_s=1.0):
    fitter = HandFitter(FitOptions(iterations=8, max_hidden_s=max_hidden_s))
    return ThreeD(None, fitter, CAM.focal_px, tracks=tracks, max_hidden_s=max_hidden_s,
                  principal_px=(CAM.cx_px, CAM.cy_px))


def _pose(side, params, rng, score=0.9):
    joints = joints_cam_batch(params.to_vector(), side)[0]
    px = project(joints, CAM) + rng.normal(0, 1.0, (NUM_JOINTS, 2))
    rel = joints - joints[0] + rng.normal(0, 0.004, (NUM_JOINTS, 3))
    rel[0] = 0
    return HandPose(side, px, rel, np.ones(NUM_JOINTS, bool), score), joints


def _frame(k):
    return Frame(np.zeros((H, W, 3), np.uint8), k, k / 30.0)


def _apart(rng, frames):
    """A right hand on the image's left and a left hand on its right, moving slowly."""
    right, left = moving_sequence(rng, frames), moving_sequence(rng, frames)
    shift = lambda p, dx: p.__class__(p.angles_deg, p.bone_scale, p.rot_vec,  # noqa: E731
                                      p.trans_m + [dx, 0, 0])
    return [shift(p, -0.12) for p in right], [shift(p, 0.12) for p in left]


def test_observed_hands_are_placed_in_the_camera_frame():
    rng = np.random.default_rng(11)
    rights, lefts = _apart(rng, 12)
    stage, masks = _stage(), HandMasks.empty(H, W)
    errors, depth_errors = [], []
    for k, (pr, pl) in enumerate(zip(rights, lefts)):
        (right, gt_r), (left, gt_l) = _pose(Side.RIGHT, pr, rng), _pose(Side.LEFT, pl, rng)
        out = stage.fit(_frame(k), masks, Hands(left=left, right=right))
        for pose, gt in ((out.right, gt_r), (out.left, gt_l)):
            assert pose is not None and not pose.inferred
            np.testing.assert_array_equal(pose.joints_px, (right if pose.side is Side.RIGHT
                                                           else left).joints_px)
            cam = pose.joints_cam_m
            errors.append(np.linalg.norm((cam - cam[0]) - (gt - gt[0]), axis=1)[1:].mean())
            depth_errors.append(abs(cam[0, 2] - gt[0, 2]) / gt[0, 2])
    # 1 px and 4 mm of noise on the evidence: the fit is within a few millimetres and a few
    # per cent of depth (the hand's size sets its depth)
    assert np.median(errors) < 0.008
    assert np.median(depth_errors) < 0.06
    # the right hand is placed to the left of the left hand, as generated
    assert out.right.joints_cam_m[0, 0] < out.left.joints_cam_m[0, 0]


def test_a_hidden_hand_is_inferred_then_dropped():
    rng = np.random.default_rng(12)
    frames = 60
    rights, lefts = _apart(rng, frames)
    stage, masks = _stage(max_hidden_s=1.0), HandMasks.empty(H, W)
    seen = 10
    scores, inferred_frames = [], []
    for k in range(frames):
        right, _ = _pose(Side.RIGHT, rights[k], rng)
        left, _ = _pose(Side.LEFT, lefts[k], rng)
        poses = Hands(left=left, right=right if k < seen else None)
        out = stage.fit(_frame(k), masks, poses)
        assert out.left is not None and not out.left.inferred
        if k < seen:
            assert out.right is not None and not out.right.inferred
            last_score = out.right.score
        elif out.right is not None:
            assert out.right.inferred
            assert not out.right.visible.any()  # nothing of it on a visible mask
            assert out.right.joints_cam_m is not None
            scores.append(out.right.score)
            inferred_frames.append(k)
    # inferred from the first hidden frame for about a second (30 frames at 30 fps), no longer
    assert inferred_frames[0] == seen
    assert 25 <= len(inferred_frames) <= 31
    assert inferred_frames == list(range(seen, seen + len(inferred_frames)))
    assert scores[0] <= INFERRED_SCORE_SHARE * last_score + 1e-9
    assert all(b < a for a, b in zip(scores, scores[1:]))
    # a new sequence forgets the hidden hand
    stage.reset()
    out = stage.fit(_frame(0), masks, Hands(left=_pose(Side.LEFT, lefts[0], rng)[0]))
    assert out.right is None


@pytest.mark.parametrize("tracks", [False, True])
def test_stills_are_fitted_afresh_and_never_inferred(tracks):
    rng = np.random.default_rng(13)
    pose_a, _ = _pose(Side.RIGHT, random_params(rng), rng)
    pose_b, _ = _pose(Side.RIGHT, random_params(rng), rng)
    masks = HandMasks.empty(H, W)
    stage = _stage(tracks=tracks)
    first = stage.fit(_frame(0), masks, Hands(right=pose_a)).right.joints_cam_m
    stage.fit(_frame(1), masks, Hands(right=pose_b))
    hidden = stage.fit(_frame(2), masks, Hands())
    again = stage.fit(_frame(3), masks, Hands(right=pose_a)).right.joints_cam_m
    if tracks:
        assert hidden.right is not None and hidden.right.inferred
    else:
        assert hidden.right is None
        np.testing.assert_allclose(again, first, atol=1e-9)  # no state from earlier stills


def test_a_hidden_hand_stays_behind_what_hides_it():
    """With the other hand's visible mask beside where the hand vanished, the inferred hand
    moves into it (it must be behind something), and without it the hand stays where the
    motion model puts it."""
    rng = np.random.default_rng(14)
    params = random_params(rng)
    seen, _ = _pose(Side.RIGHT, params, rng)
    centre = seen.joints_px.mean(axis=0)
    size = np.ptp(seen.joints_px, axis=0).max()
    occluder = np.zeros((H, W), bool)  # the left hand's visible region, 0.6 hand sizes right
    x0, y0 = (centre + [0.6 * size, -0.5 * size]).astype(int)
    occluder[max(y0, 0):y0 + int(size), max(x0, 0):x0 + int(size)] = True
    empty = np.zeros((H, W), bool)
    ends = {}
    for name, masks in (("occluded", HandMasks(empty, empty, empty, occluder)),
                        ("bare", HandMasks.empty(H, W))):
        stage = _stage()
        for k in range(5):  # a still hand, seen
            stage.fit(_frame(k), masks, Hands(right=_pose(Side.RIGHT, params, rng)[0]))
        for k in range(5, 10):  # hidden
            out = stage.fit(_frame(k), masks, Hands())
        assert out.right is not None and out.right.inferred
        ends[name] = out.right.joints_px
    inside = lambda px: occluder[np.clip(px[:, 1].round().astype(int), 0, H - 1),  # noqa: E731
                                 np.clip(px[:, 0].round().astype(int), 0, W - 1)].mean()
    assert inside(ends["occluded"]) > 0.6
    assert inside(ends["bare"]) < 0.3
    assert np.linalg.norm(ends["bare"].mean(axis=0) - centre) < 0.2 * size


def test_a_hand_hidden_by_the_other_is_placed_just_behind_it():
    """The left hand vanishes where the right hand's visible mask lies: its inferred depth is
    the right hand's plus about a hand's thickness (FitOptions.hidden_behind_m), not the
    depth its last frames drifted to."""
    rng = np.random.default_rng(15)
    right_p = random_params(rng)
    left_p = random_params(rng)
    # the left hand 25 cm further away, behind the right one on the image
    left_p = left_p.__class__(left_p.angles_deg, left_p.bone_scale, left_p.rot_vec,
                              right_p.trans_m + [0.0, 0.0, 0.25])
    right_seen, right_gt = _pose(Side.RIGHT, right_p, rng)
    left_seen, _ = _pose(Side.LEFT, left_p, rng)
    lo = np.minimum(right_seen.joints_px.min(0), left_seen.joints_px.min(0)).astype(int) - 20
    hi = np.maximum(right_seen.joints_px.max(0), left_seen.joints_px.max(0)).astype(int) + 20
    right_visible = np.zeros((H, W), bool)
    right_visible[max(lo[1], 0):hi[1], max(lo[0], 0):hi[0]] = True
    empty = np.zeros((H, W), bool)
    masks = HandMasks(right_visible, right_visible, empty, empty)
    stage = _stage()
    for k in range(4):
        stage.fit(_frame(k), masks, Hands(right=_pose(Side.RIGHT, right_p, rng)[0],
                                           left=_pose(Side.LEFT, left_p, rng)[0]))
    for k in range(4, 8):
        out = stage.fit(_frame(k), masks, Hands(right=_pose(Side.RIGHT, right_p, rng)[0]))
    left = out.left
    assert left is not None and left.inferred
    right_depth = np.median(out.right.joints_cam_m[:, 2])
    assert 0.0 < left.joints_cam_m[0, 2] - right_depth < 0.08
    assert left.joints_cam_m[0, 2] < right_p.trans_m[2] + 0.15  # not where it was


def test_a_hand_known_to_be_gone_is_not_inferred():
    """A pose dropped as the other hand seen twice (``gone``): no inferred hand takes its place,
    on that frame or after, until the side is posed again."""
    rng = np.random.default_rng(5)
    rights, lefts = _apart(rng, 16)
    stage, masks = _stage(), HandMasks.empty(H, W)
    for k in range(8):
        stage.fit(_frame(k), masks, Hands(left=_pose(Side.LEFT, lefts[k], rng)[0],
                                          right=_pose(Side.RIGHT, rights[k], rng)[0]))
    left = lambda k: _pose(Side.LEFT, lefts[k], rng)[0]  # noqa: E731
    out = stage.fit(_frame(8), masks, Hands(left=left(8)), gone=frozenset({Side.RIGHT}))
    assert out.right is None and out.left is not None
    for k in range(9, 12):
        assert stage.fit(_frame(k), masks, Hands(left=left(k))).right is None
    back = stage.fit(_frame(12), masks, Hands(left=left(12),
                                              right=_pose(Side.RIGHT, rights[12], rng)[0]))
    assert back.right is not None and not back.right.inferred
    # without ``gone`` the same loss is inferred
    stage.reset()
    for k in range(8):
        stage.fit(_frame(k), masks, Hands(left=_pose(Side.LEFT, lefts[k], rng)[0],
                                          right=_pose(Side.RIGHT, rights[k], rng)[0]))
    assert stage.fit(_frame(8), masks, Hands(left=left(8))).right.inferred
