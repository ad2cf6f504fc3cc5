"""Joint angles of the procedural hand, their anatomical limits, and forward kinematics.

Angles are degrees. Per finger (thumb first) four numbers:
``[base_flex, base_abd, mid_flex, dist_flex]`` = MCP flexion, MCP abduction, PIP, DIP for the
fingers and CMC flexion (opposition across the palm), CMC abduction, MCP, IP for the thumb.
Positive flexion curls towards the palm. The wrist has ``[flex, deviation]``.

Limits follow the active range-of-motion tables of the American Academy of Orthopaedic Surgeons
(MCP 0-90, PIP 0-100+, DIP 0-80, hyper-extension a little below 0) and the thumb ranges used
by hand-tracking work (e.g. Lee & Kunii 1995), rounded.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.joints import FINGERS, NUM_JOINTS
from hdr_live.hand_model.skeleton import RestSkeleton

#: Bone indices used for skinning: 0 palm (root), 1 forearm, 2 + 3*finger + segment.
NUM_BONES = 17
ROOT_BONE = 0
FOREARM_BONE = 1


def finger_bone(finger: int, segment: int) -> int:
    """Skinning bone index of ``segment`` (0..2) of ``finger`` (0 thumb .. 4 pinky)."""
    return 2 + 3 * finger + segment


#: Lower / upper limits, degrees, (5, 4) each: [base_flex, base_abd, mid_flex, dist_flex].
ANGLE_LOW = np.array(
    [
        [-15.0, -20.0, -10.0, -15.0],
        [-25.0, -20.0, 0.0, -5.0],
        [-25.0, -15.0, 0.0, -5.0],
        [-25.0, -15.0, 0.0, -5.0],
        [-25.0, -25.0, 0.0, -5.0],
    ]
)
ANGLE_HIGH = np.array(
    [
        [60.0, 45.0, 60.0, 80.0],
        [90.0, 20.0, 105.0, 80.0],
        [90.0, 15.0, 105.0, 80.0],
        [90.0, 15.0, 105.0, 80.0],
        [90.0, 20.0, 105.0, 80.0],
    ]
)
WRIST_LOW = np.array([-60.0, -20.0])
WRIST_HIGH = np.array([60.0, 30.0])
#: The thumb metacarpal pronates as it opposes: twist (deg) per degree of CMC flexion.
THUMB_TWIST_PER_FLEX = 0.6


@dataclasses.dataclass(frozen=True)
class HandArticulation:
    """Joint angles of one hand (degrees).

    Attributes:
        fingers: (5, 4) float64, see the module docstring.
        wrist: (2,) float64 ``[flex, deviation]`` of the hand relative to the forearm.
    """

    fingers: np.ndarray
    wrist: np.ndarray

    def __post_init__(self) -> None:
        if np.shape(self.fingers) != (5, 4) or np.shape(self.wrist) != (2,):
            raise ValueError("HandArticulation needs fingers (5, 4) and wrist (2,)")

    def clipped(self) -> "HandArticulation":
        """The same articulation clipped into the anatomical limits."""
        return HandArticulation(
            np.clip(self.fingers, ANGLE_LOW, ANGLE_HIGH), np.clip(self.wrist, WRIST_LOW, WRIST_HIGH)
        )

    def within_limits(self) -> bool:
        """Whether every angle lies inside its limit."""
        ok_f = np.all((self.fingers >= ANGLE_LOW - 1e-9) & (self.fingers <= ANGLE_HIGH + 1e-9))
        ok_w = np.all((self.wrist >= WRIST_LOW - 1e-9) & (self.wrist <= WRIST_HIGH + 1e-9))
        return bool(ok_f and ok_w)

    @staticmethod
    def rest() -> "HandArticulation":
        """The flat rest pose (all zeros)."""
        return HandArticulation(np.zeros((5, 4)), np.zeros(2))

    @staticmethod
    def blend(a: "HandArticulation", b: "HandArticulation", t: float) -> "HandArticulation":
        """Linear blend ``(1-t)*a + t*b`` of two articulations."""
        return HandArticulation((1 - t) * a.fingers + t * b.fingers, (1 - t) * a.wrist + t * b.wrist)


def rot_x(deg: float) -> np.ndarray:
    """(3, 3) rotation about local x by ``deg`` degrees (y turns towards z)."""
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[1.0, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(deg: float) -> np.ndarray:
    """(3, 3) rotation about local y by ``deg`` degrees (z turns towards x)."""
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[c, 0, s], [0, 1.0, 0], [-s, 0, c]])


def rot_z(deg: float) -> np.ndarray:
    """(3, 3) rotation about local z by ``deg`` degrees (x turns towards y)."""
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


@dataclasses.dataclass(frozen=True)
class PosedSkeleton:
    """Forward-kinematics result in the (unit-scale) hand frame of a right hand.

    Attributes:
        joints: (21, 3) float64 joint positions, metres, hand frame.
        bone_rot: (17, 3, 3) float64 rotation of each skinning bone from rest to posed.
        bone_trans: (17, 3) float64 translation, so posed = bone_rot @ rest + bone_trans.
    """

    joints: np.ndarray
    bone_rot: np.ndarray
    bone_trans: np.ndarray


def forward_kinematics(rest: RestSkeleton, art: HandArticulation) -> PosedSkeleton:
    """Pose the rest skeleton with joint angles.

    The palm (root bone) stays fixed in the hand frame; the forearm turns about the wrist.

    Args:
        rest: the rest skeleton (see :mod:`hdr_live.hand_model.skeleton`).
        art: joint angles; they are used as given (clip with ``art.clipped()`` first).

    Returns:
        The :class:`PosedSkeleton`.
    """
    joints = np.zeros((NUM_JOINTS, 3))
    rots = np.tile(np.eye(3), (17, 1, 1))
    trans = np.zeros((17, 3))
    rest_joints = rest.joints()
    for f, chain in enumerate(FINGERS):
        base_flex, base_abd, mid_flex, dist_flex = art.fingers[f]
        frame = rest.frames[f]
        twist = rot_y(-THUMB_TWIST_PER_FLEX * base_flex) if f == 0 else np.eye(3)
        g = frame @ twist @ rot_z(base_abd) @ rot_x(base_flex)
        pos = rest.bases[f].copy()
        joints[chain[1]] = pos
        for k, flex in enumerate((None, mid_flex, dist_flex)):
            if flex is not None:
                g = g @ rot_x(flex)
            bone = finger_bone(f, k)
            rots[bone] = g @ frame.T
            trans[bone] = pos - rots[bone] @ rest_joints[chain[k + 1]]
            pos = pos + g[:, 1] * rest.lengths[f, k]
            joints[chain[k + 2]] = pos
    rots[FOREARM_BONE] = rot_x(-art.wrist[0]) @ rot_z(art.wrist[1])
    return PosedSkeleton(joints=joints, bone_rot=rots, bone_trans=trans)
