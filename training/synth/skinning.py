"""Pose a :class:`~training.synth.hand_mesh.HandMesh` into the camera frame.

Linear-blend skinning (Magnenat-Thalmann et al. 1988; the "LBS" of MANO, Romero et al. 2017,
eq. 2) with the bones of :mod:`hdr_live.hand_model.articulation`, then global scale, the left/right
mirror and a rigid placement. Camera axes: x right, y down, z forward, metres.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.joints import Side
from hdr_live.hand_model.articulation import HandArticulation, forward_kinematics
from training.synth.hand_mesh import HandMesh

#: Mirror of the hand frame that turns the right hand into the left one.
MIRROR_X = np.diag([-1.0, 1.0, 1.0])


@dataclasses.dataclass(frozen=True)
class Placement:
    """Rigid placement of a hand frame in the camera frame.

    Attributes:
        rotation: (3, 3) float64 rotation; columns are the hand-frame axes (radial, distal,
            palmar) in camera axes. For a left hand these are the axes of the *mirrored* frame
            (its radial axis points to the thumb as well).
        translation: (3,) float64 wrist position in camera axes, metres.
    """

    rotation: np.ndarray
    translation: np.ndarray


@dataclasses.dataclass(frozen=True)
class PosedHand:
    """A hand mesh posed in the camera frame.

    Attributes:
        side: the person's hand.
        vertices: (V, 3) float64 camera frame, metres.
        normals: (V, 3) float64 unit outward normals, camera frame.
        triangles: (F, 3) int32, counter-clockwise seen from outside (flipped for a left hand).
        joints: (21, 3) float64 joints, camera frame, metres.
        mesh: the rest mesh it came from (for per-vertex surface coordinates).
    """

    side: Side
    vertices: np.ndarray
    normals: np.ndarray
    triangles: np.ndarray
    joints: np.ndarray
    mesh: HandMesh


def pose_hand(
    mesh: HandMesh,
    art: HandArticulation,
    side: Side,
    placement: Placement,
    inflate_m: np.ndarray | None = None,
) -> PosedHand:
    """Skin, scale, mirror (left hand) and place a hand.

    Args:
        mesh: rest mesh of a right hand.
        art: joint angles (used as given).
        side: ``Side.LEFT`` mirrors the hand frame x -> -x (the left hand is the mirror image of
            the right one).
        placement: hand frame -> camera frame.
        inflate_m: optional (V,) float64 outward offset per vertex at rest (e.g. a sleeve), metres
            before the global scale.

    Returns:
        The :class:`PosedHand`.
    """
    posed = forward_kinematics(mesh.skeleton, art)
    rest_v = mesh.vertices if inflate_m is None else mesh.vertices + mesh.normals * inflate_m[:, None]
    blend_r = (mesh.weights @ posed.bone_rot.reshape(-1, 9)).reshape(-1, 3, 3)
    blend_t = mesh.weights @ posed.bone_trans
    v = np.einsum("vij,vj->vi", blend_r, rest_v) + blend_t
    n = np.einsum("vij,vj->vi", blend_r, mesh.normals)
    joints = posed.joints
    tri = mesh.triangles
    if side is Side.LEFT:
        v, n, joints = v @ MIRROR_X, n @ MIRROR_X, joints @ MIRROR_X
        tri = tri[:, ::-1].copy()
    s = mesh.shape.scale
    rot, t = placement.rotation, placement.translation
    v_cam = (s * v) @ rot.T + t
    n_cam = n @ rot.T
    n_cam /= np.maximum(np.linalg.norm(n_cam, axis=1, keepdims=True), 1e-12)
    return PosedHand(
        side=side, vertices=v_cam, normals=n_cam, triangles=tri, joints=(s * joints) @ rot.T + t, mesh=mesh
    )


def facing_rotation(distal_cam: np.ndarray, palmar_cam: np.ndarray) -> np.ndarray:
    """A placement rotation from the wanted distal and palmar directions in camera axes.

    Args:
        distal_cam: (3,) direction the fingers should point (wrist to middle MCP).
        palmar_cam: (3,) direction the palm should face; made orthogonal to ``distal_cam``.

    Returns:
        (3, 3) float64 rotation with columns (radial, distal, palmar).
    """
    d = np.asarray(distal_cam, dtype=np.float64)
    d = d / np.linalg.norm(d)
    p = np.asarray(palmar_cam, dtype=np.float64)
    p = p - (p @ d) * d
    p = p / np.linalg.norm(p)
    return np.stack([np.cross(d, p), d, p], axis=1)
