"""Where a hidden hand is inferred: at the end of its own arm when a body is in view, never on
the other, seen hand (hdr_live.pipeline.hidden_wrist_anchor; issue "Every hand and only
hands")."""

from __future__ import annotations

import numpy as np

from hdr_live.joints import Side
from hdr_live.pipeline import hidden_wrist_anchor
from hdr_live.types import HandMasks, HandPose, Hands, HasmOutput


def _pose(side: Side, wrist_xy, inferred: bool = False) -> HandPose:
    rng = np.random.default_rng(1)
    joints = np.asarray(wrist_xy, float) + rng.normal(0, 1, (21, 2))
    joints[1:] += np.linspace([0, -10], [0, -80], 20)  # a hand about 80 px long
    joints[0] = wrist_xy
    return HandPose(side, joints, np.zeros((21, 3)), np.ones(21, bool), 0.9, inferred=inferred)


def _hasm(left_wrist=None, right_wrist=None) -> HasmOutput:
    wrists = Hands(left=None if left_wrist is None else np.array(left_wrist, float),
                   right=None if right_wrist is None else np.array(right_wrist, float))
    return HasmOutput(HandMasks.empty(480, 640), Hands(), arm_wrists_px=wrists)


def test_a_hidden_hand_is_anchored_at_its_arm_wrist_away_from_the_other_hand():
    poses = Hands(right=_pose(Side.RIGHT, (500, 300)))
    anchor = hidden_wrist_anchor(Side.LEFT, poses, _hasm(left_wrist=(300, 320)))
    assert np.allclose(anchor, (300, 320))


def test_no_anchor_for_a_posed_hand_without_a_body_or_on_the_other_hand():
    poses = Hands(right=_pose(Side.RIGHT, (500, 300)), left=_pose(Side.LEFT, (300, 320)))
    assert hidden_wrist_anchor(Side.LEFT, poses, _hasm(left_wrist=(300, 320))) is None
    only_right = Hands(right=poses.right)
    assert hidden_wrist_anchor(Side.LEFT, only_right, _hasm()) is None
    on_the_right_hand = _hasm(left_wrist=(502, 260))  # among the right hand's joints
    assert hidden_wrist_anchor(Side.LEFT, only_right, on_the_right_hand) is None


def test_a_mask_is_shown_only_for_a_posed_hand_and_near_its_skeleton():
    """A HASM mask spilling over the scene (the egocentric worktop of the issue) is cut to the
    posed hand's joints' box (grown by half a hand size), and the mask of a hand with no pose
    (SHPE did not confirm it) is refused."""
    from hdr_live.hand_masks import HandMasks
    from hdr_live.pipeline import MASK_MARGIN_HAND_SCALES, posed_masks
    from hdr_live.joints import hand_scale_px
    from support import hand_box_joints, scripted_pose

    h, w = 240, 400
    everywhere = np.ones((h, w), bool)
    masks = HandMasks(everywhere, everywhere, everywhere.copy(), everywhere.copy())
    right = hand_box_joints(100, 120)
    shown = posed_masks(masks, Hands(right=scripted_pose(Side.RIGHT, right)))
    assert not shown.left_amodal.any()
    box = shown.amodal_box(Side.RIGHT)
    margin = MASK_MARGIN_HAND_SCALES * hand_scale_px(right)
    lo, hi = right.min(axis=0) - margin, right.max(axis=0) + margin
    assert abs(box.x0 - max(np.floor(lo[0]), 0)) <= 1 and abs(box.x1 - np.ceil(hi[0])) <= 1
    assert abs(box.y0 - max(np.floor(lo[1]), 0)) <= 1 and abs(box.y1 - np.ceil(hi[1])) <= 1
    assert shown.right_amodal.sum() < 0.25 * everywhere.sum()


def test_a_hand_posed_twice_is_found_only_when_the_network_calls_it_the_other_side():
    from hdr_live.joints import hand_scale_px
    from hdr_live.pipeline import SEEN_TWICE_HAND_SCALES, seen_twice
    from support import hand_box_joints, scripted_pose

    right = hand_box_joints(100, 120)
    scale = hand_scale_px(right)
    near = right + [0.3 * scale, 0.0]  # the same hand, a little shifted
    poses = Hands(right=scripted_pose(Side.RIGHT, right), left=scripted_pose(Side.LEFT, near))
    assert seen_twice(poses, Hands(right=False, left=True)) is Side.LEFT
    assert seen_twice(poses, Hands(right=True, left=False)) is Side.RIGHT
    # both look like their own side, or both like the other: two hands (clasped, praying)
    for looks in ((False, False), (True, True)):
        assert seen_twice(poses, Hands(right=looks[0], left=looks[1])) is None
    # apart by more than SEEN_TWICE_HAND_SCALES: two hands whatever the network says
    apart = Hands(right=scripted_pose(Side.RIGHT, right),
                  left=scripted_pose(Side.LEFT, right + [1.2 * SEEN_TWICE_HAND_SCALES * scale, 0]))
    assert seen_twice(apart, Hands(right=False, left=True)) is None
