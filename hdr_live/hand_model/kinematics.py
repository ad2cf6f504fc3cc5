"""Batched parametric hand: parameters, flat parameter vector, vectorised forward kinematics.

The model is the procedural hand of :mod:`.skeleton` / :mod:`.articulation` placed in the
camera: ``joints_cam = R(rot_vec) · M_side · (s · FK(rest(shape), angles)) + trans_m`` with
``M_right = I`` and ``M_left = diag(−1, 1, 1)`` (the left hand is the mirror x → −x of the
right in the hand frame). FK is the same chain as :func:`.articulation.forward_kinematics`
(per finger ``frame · twist · Rz(abd) · Rx(flex)`` then ``Rx`` per further segment), evaluated
for all fingers and a batch of parameter vectors at once.

Flat parameter vector (length :data:`NUM_PARAMS`, float64), named slices:
``ANGLES`` 20 joint angles in degrees ((5, 4) row-major, thumb first), ``BONE_SCALE`` 8
factors, ``ROT`` axis-angle hand frame → camera (radians), ``TRANS`` wrist in camera metres.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.hand_model.articulation import ANGLE_HIGH, ANGLE_LOW, THUMB_TWIST_PER_FLEX
from hdr_live.hand_model.rotation import rotvec_to_matrix
from hdr_live.hand_model.skeleton import BASE_POSITIONS_M, SEGMENT_LENGTHS_M, HandShape, rest_frames
from hdr_live.joints import NUM_JOINTS, Side

ANGLES = slice(0, 20)
#: ``[global, palm_width, palm_length, thumb, index, middle, ring, pinky]`` length factors:
#: global multiplies the whole posed hand (``HandShape.scale``); palm_width scales the bases'
#: x, palm_length their y; the five finger factors scale each chain's three segment lengths.
BONE_SCALE = slice(20, 28)
ROT = slice(28, 31)
TRANS = slice(31, 34)
NUM_PARAMS = 34
NUM_BONE_SCALES = 8

#: Bounds on the bone-scale factors (an adult/teen hand, wider than ``HandShape.sample``).
BONE_SCALE_LOW = 0.6
BONE_SCALE_HIGH = 1.5
#: Smallest wrist depth the parameters may take, metres.
MIN_WRIST_DEPTH_M = 0.05

_FRAMES = rest_frames()
_MIRROR = np.array([-1.0, 1.0, 1.0])
_THUMB = np.array([1.0, 0.0, 0.0, 0.0, 0.0])


@dataclasses.dataclass(frozen=True)
class HandParams:
    """Parameters of one hand in the camera.

    Attributes:
        angles_deg: (5, 4) float64 joint angles, degrees, layout of
            :mod:`hdr_live.hand_model.articulation`, inside ``ANGLE_LOW``/``ANGLE_HIGH``.
        bone_scale: (8,) float64 length factors, see :data:`BONE_SCALE`, inside
            [:data:`BONE_SCALE_LOW`, :data:`BONE_SCALE_HIGH`].
        rot_vec: (3,) float64 axis-angle rotation hand frame → camera, radians.
        trans_m: (3,) float64 wrist position, camera axes, metres.

    Raises:
        ValueError: a wrong shape, a non-finite value, or a value outside its limits.
    """

    angles_deg: np.ndarray
    bone_scale: np.ndarray
    rot_vec: np.ndarray
    trans_m: np.ndarray

    def __post_init__(self) -> None:
        shapes = {"angles_deg": (5, 4), "bone_scale": (NUM_BONE_SCALES,), "rot_vec": (3,),
                  "trans_m": (3,)}
        for name, shape in shapes.items():
            value = np.array(getattr(self, name), dtype=np.float64)
            if value.shape != shape or not np.all(np.isfinite(value)):
                raise ValueError(f"HandParams.{name} must be finite with shape {shape}")
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        if np.any(self.angles_deg < ANGLE_LOW - 1e-9) or np.any(self.angles_deg > ANGLE_HIGH + 1e-9):
            raise ValueError("HandParams.angles_deg lies outside ANGLE_LOW/ANGLE_HIGH")
        if np.any(self.bone_scale < BONE_SCALE_LOW - 1e-9) or np.any(self.bone_scale > BONE_SCALE_HIGH + 1e-9):
            raise ValueError("HandParams.bone_scale lies outside BONE_SCALE_LOW/HIGH")

    def to_vector(self) -> np.ndarray:
        """The flat (NUM_PARAMS,) float64 parameter vector (see the module docstring)."""
        return pack(self)


def bone_scale_of(shape: HandShape) -> np.ndarray:
    """The (8,) bone-scale factors equal to ``shape``'s length parameters (widths dropped)."""
    return np.array([shape.scale, shape.palm_width, shape.palm_length, *shape.finger_lengths])


def pack(params: HandParams) -> np.ndarray:
    """Flatten ``params`` into a (NUM_PARAMS,) float64 vector."""
    return np.concatenate([params.angles_deg.ravel(), params.bone_scale, params.rot_vec,
                           params.trans_m])


def unpack(theta: np.ndarray) -> HandParams:
    """Inverse of :func:`pack`; ``theta`` is (NUM_PARAMS,). Raises ValueError as HandParams."""
    t = np.asarray(theta, dtype=np.float64)
    if t.shape != (NUM_PARAMS,):
        raise ValueError(f"theta must have shape ({NUM_PARAMS},), got {t.shape}")
    return HandParams(t[ANGLES].reshape(5, 4), t[BONE_SCALE], t[ROT], t[TRANS])


def param_bounds() -> tuple[np.ndarray, np.ndarray]:
    """(low, high), each (NUM_PARAMS,) float64: angle limits, bone-scale bounds, free rotation,
    wrist depth at least :data:`MIN_WRIST_DEPTH_M` (±inf where unbounded)."""
    low = np.full(NUM_PARAMS, -np.inf)
    high = np.full(NUM_PARAMS, np.inf)
    low[ANGLES], high[ANGLES] = ANGLE_LOW.ravel(), ANGLE_HIGH.ravel()
    low[BONE_SCALE], high[BONE_SCALE] = BONE_SCALE_LOW, BONE_SCALE_HIGH
    low[TRANS.stop - 1] = MIN_WRIST_DEPTH_M
    return low, high


def _first_segment_axes(flex_rad: np.ndarray, abd_rad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns d (bone direction) and c (flexion-towards) of the first segment's frame
    ``frame · Ry(twist) · Rz(abd) · Rx(flex)`` (articulation.forward_kinematics), each
    (B, 5, 3), expanded column by column so that no small matrix products are needed."""
    cf, sf = np.cos(flex_rad), np.sin(flex_rad)
    ca, sa = np.cos(abd_rad), np.sin(abd_rad)
    tw = -THUMB_TWIST_PER_FLEX * flex_rad * _THUMB
    ct, st = np.cos(tw), np.sin(tw)
    out = []
    for y, z in ((cf, sf), (-sf, cf)):  # Rx(flex) applied to e_y and e_z: (0, y, z)
        x1, y1 = -sa * y, ca * y  # then Rz(abd)
        x2, z2 = ct * x1 + st * z, -st * x1 + ct * z  # then Ry(twist)
        out.append(x2[..., None] * _FRAMES[:, :, 0] + y1[..., None] * _FRAMES[:, :, 1]
                   + z2[..., None] * _FRAMES[:, :, 2])
    return out[0], out[1]


def joints_hand_batch(theta: np.ndarray) -> np.ndarray:
    """Joints of a batch of right hands in the hand frame, global scale applied.

    Args:
        theta: (B, NUM_PARAMS) float64 parameter vectors (angles used as given).

    Returns:
        (B, 21, 3) float64 joints, right-hand frame, metres, wrist at the origin.
    """
    t = np.atleast_2d(np.asarray(theta, dtype=np.float64))
    ang = np.radians(t[:, ANGLES].reshape(-1, 5, 4))
    sc = t[:, BONE_SCALE]
    bases = BASE_POSITIONS_M[None] * np.stack([sc[:, 1], sc[:, 2], np.ones(len(t))], -1)[:, None]
    lengths = SEGMENT_LENGTHS_M[None] * sc[:, 3:8, None]
    d0, c0 = _first_segment_axes(ang[..., 0], ang[..., 1])
    phi = np.stack([np.zeros_like(ang[..., 2]), ang[..., 2], ang[..., 2] + ang[..., 3]], -1)
    dirs = d0[:, :, None] * np.cos(phi)[..., None] + c0[:, :, None] * np.sin(phi)[..., None]
    chain = np.concatenate([bases[:, :, None], dirs * lengths[..., None]], axis=2).cumsum(axis=2)
    joints = np.concatenate([np.zeros((len(t), 1, 3)), chain.reshape(-1, NUM_JOINTS - 1, 3)], 1)
    return joints * sc[:, 0, None, None]


def hand_to_cam_batch(points_hand_m: np.ndarray, theta: np.ndarray, side: Side) -> np.ndarray:
    """Map hand-frame points (right-hand frame) of a batch into the camera.

    Args:
        points_hand_m: (B, N, 3) float64 points, right-hand frame, metres.
        theta: (B, NUM_PARAMS) float64 parameter vectors (ROT and TRANS used).
        side: LEFT mirrors x → −x before the rotation.

    Returns:
        (B, N, 3) float64 points, camera axes, metres: ``R · M_side · p + t``.
    """
    t = np.atleast_2d(np.asarray(theta, dtype=np.float64))
    p = points_hand_m * _MIRROR if side is Side.LEFT else points_hand_m
    rot = rotvec_to_matrix(t[:, ROT])
    return p @ np.swapaxes(rot, 1, 2) + t[:, None, TRANS]


def joints_cam_batch(theta: np.ndarray, side: Side) -> np.ndarray:
    """Camera-frame joints of a batch of hands (the model of the module docstring).

    Args:
        theta: (B, NUM_PARAMS) float64 parameter vectors; a (NUM_PARAMS,) vector is treated as
            a batch of one.
        side: the person's hand (LEFT is mirrored in the hand frame).

    Returns:
        (B, 21, 3) float64 joints, camera axes, metres, order :class:`hdr_live.joints.Joint`.
    """
    t = np.atleast_2d(np.asarray(theta, dtype=np.float64))
    return hand_to_cam_batch(joints_hand_batch(t), t, side)
