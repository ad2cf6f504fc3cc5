"""Place two hands in an interacting configuration (AIH_Render-like, HDR paper §4).

Hand A is placed at random; hand B is placed relative to A's palm by one of the
:class:`Interaction` rules, then pushed out of A until the meshes no longer interpenetrate
(open3d occupancy queries). Frames: a "world" frame with A's wrist near the origin, metres;
:mod:`training.synth.framing` then puts a camera in front of the pair.
"""

from __future__ import annotations

import dataclasses
import enum

import numpy as np
import open3d as o3d

from hdr_live.joints import Joint, Side
from hdr_live.hand_model.articulation import HandArticulation
from training.synth.hand_mesh import HandMesh
from training.synth.pose_prior import Gesture, sample_articulation
from training.synth.skin import Sleeve, sleeve_inflation
from training.synth.skinning import Placement, PosedHand, facing_rotation, pose_hand

#: Palm centre in the hand frame (unit scale), metres.
PALM_CENTRE_M = np.array([0.0, 0.05, 0.004])
_PUSH_STEP_M = 0.004
_MAX_PUSHES = 15
_MAX_INSIDE_FRACTION = 0.002


class Interaction(enum.Enum):
    """How hand B relates to hand A."""

    CLASP = "clasp"  # palms facing each other, fingers at any angle (prayer, interlock, handshake)
    STACK = "stack"  # roughly parallel, one over the other (partial overlap)
    CROSS = "cross"  # crossed at an angle, touching
    TOUCH = "touch"  # a fingertip of B touches A anywhere
    NEAR = "near"  # side by side, little or no contact


#: Sampling weights of the interactions.
INTERACTION_WEIGHTS = {
    Interaction.CLASP: 0.22,
    Interaction.STACK: 0.24,
    Interaction.CROSS: 0.24,
    Interaction.TOUCH: 0.2,
    Interaction.NEAR: 0.1,
}


@dataclasses.dataclass(frozen=True)
class HandPair:
    """Two posed hands in the world frame.

    Attributes:
        right, left: the person's right and left hands.
        interaction: the rule used.
        articulation_right, articulation_left: their joint angles.
    """

    right: PosedHand
    left: PosedHand
    interaction: Interaction
    articulation_right: HandArticulation
    articulation_left: HandArticulation


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A uniformly random (3, 3) rotation matrix (QR of a Gaussian matrix, sign-fixed)."""
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


def _rotate_about(v: np.ndarray, axis: np.ndarray, deg: float) -> np.ndarray:
    axis = axis / np.linalg.norm(axis)
    th = np.radians(deg)
    return v * np.cos(th) + np.cross(axis, v) * np.sin(th) + axis * (axis @ v) * (1 - np.cos(th))


def _gestures_for(kind: Interaction) -> tuple[Gesture, ...]:
    if kind is Interaction.CLASP:
        return (Gesture.GRIP, Gesture.RELAXED, Gesture.OPEN, Gesture.FLAT, Gesture.CLAW, Gesture.RANDOM)
    if kind is Interaction.TOUCH:
        return (Gesture.POINT, Gesture.PINCH, Gesture.OK, Gesture.RELAXED, Gesture.OPEN, Gesture.RANDOM)
    return tuple(Gesture)


def _relative_frame(
    kind: Interaction, rot_a: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """B's rotation, B's palm-centre offset from A's palm centre, and the push-out direction."""
    radial, distal, palmar = rot_a[:, 0], rot_a[:, 1], rot_a[:, 2]
    side = 1.0 if rng.random() < 0.5 else -1.0
    in_plane = radial * rng.normal(0, 0.025) + distal * rng.normal(0, 0.03)
    if kind is Interaction.CLASP:
        d_b = _rotate_about(distal, palmar, rng.uniform(-180, 180))
        return facing_rotation(d_b, -palmar), palmar * rng.uniform(0.025, 0.045) + 0.5 * in_plane, palmar
    if kind is Interaction.STACK:
        d_b = _rotate_about(distal, palmar, rng.normal(0, 35))
        p_b = palmar * (1.0 if rng.random() < 0.5 else -1.0)
        off = (
            side * palmar * rng.uniform(0.025, 0.05)
            + radial * rng.uniform(-0.07, 0.07)
            + distal * rng.uniform(-0.04, 0.06)
        )
        return facing_rotation(d_b, p_b), off, side * palmar
    if kind is Interaction.CROSS:
        d_b = _rotate_about(distal, palmar, rng.choice([-1, 1]) * rng.uniform(45, 135))
        p_b = _rotate_about(palmar * (1.0 if rng.random() < 0.5 else -1.0), d_b, rng.normal(0, 25))
        off = side * palmar * rng.uniform(0.025, 0.045) + distal * rng.uniform(0.0, 0.08) + in_plane * 0.5
        return facing_rotation(d_b, p_b), off, side * palmar
    # NEAR
    d_b = _rotate_about(distal, palmar, rng.normal(0, 30))
    away = radial * (1.0 if rng.random() < 0.5 else -1.0)
    return facing_rotation(d_b, palmar * side), away * rng.uniform(0.09, 0.14) + in_plane, away


def _inside_fraction(scene: o3d.t.geometry.RaycastingScene, points: np.ndarray) -> float:
    occ = scene.compute_occupancy(o3d.core.Tensor(points.astype(np.float32))).numpy()
    return float(occ.mean())


def _scene_of(hand: PosedHand) -> o3d.t.geometry.RaycastingScene:
    scene = o3d.t.geometry.RaycastingScene()
    scene.add_triangles(
        o3d.core.Tensor(hand.vertices.astype(np.float32)), o3d.core.Tensor(hand.triangles.astype(np.uint32))
    )
    return scene


def _shifted(hand: PosedHand, delta: np.ndarray) -> PosedHand:
    return dataclasses.replace(hand, vertices=hand.vertices + delta, joints=hand.joints + delta)


def push_apart(a: PosedHand, b: PosedHand, direction: np.ndarray) -> PosedHand:
    """Move ``b`` along ``direction`` in steps until hardly any of its vertices lie inside ``a``.

    Args:
        a: fixed hand. b: moving hand. direction: (3,) push direction (normalised here).

    Returns:
        The moved copy of ``b`` (the last one tried if it never got free).
    """
    direction = direction / np.linalg.norm(direction)
    scene_a = _scene_of(a)
    probe = b.vertices[:: max(1, len(b.vertices) // 1500)]
    for _ in range(_MAX_PUSHES):
        if _inside_fraction(scene_a, probe) <= _MAX_INSIDE_FRACTION:
            break
        b = _shifted(b, direction * _PUSH_STEP_M)
        probe = probe + direction * _PUSH_STEP_M
    return b


def _place_touch(
    a: PosedHand,
    b_mesh: HandMesh,
    art_b: HandArticulation,
    side_b: Side,
    rng: np.random.Generator,
    inflate: np.ndarray | None,
) -> tuple[PosedHand, np.ndarray]:
    on_hand = np.flatnonzero(a.mesh.coords.forearm_s < 0.01)
    k = int(rng.choice(on_hand))
    target = a.vertices[k] + a.normals[k] * 0.006
    rot_b = random_rotation(rng)
    b = pose_hand(b_mesh, art_b, side_b, Placement(rot_b, np.zeros(3)), inflate)
    tip = int(
        rng.choice([Joint.THUMB_TIP, Joint.INDEX_TIP, Joint.MIDDLE_TIP, Joint.RING_TIP, Joint.PINKY_TIP])
    )
    return _shifted(b, target - b.joints[tip]), a.normals[k]


def sample_pair(
    meshes: tuple[HandMesh, HandMesh],
    sleeves: tuple[Sleeve | None, Sleeve | None],
    rng: np.random.Generator,
    kind: Interaction | None = None,
) -> HandPair:
    """Sample an interacting pair of hands in the world frame.

    Args:
        meshes: (right-hand mesh, mesh used for the left hand); both are right-hand rest meshes.
        sleeves: optional sleeve per hand (right, left), which inflates the forearm.
        rng: numpy generator (consumed).
        kind: force an interaction (random by ``INTERACTION_WEIGHTS`` if None).

    Returns:
        A :class:`HandPair`.
    """
    if kind is None:
        kinds = list(INTERACTION_WEIGHTS)
        kind = kinds[int(rng.choice(len(kinds), p=np.array(list(INTERACTION_WEIGHTS.values()))))]
    gestures = _gestures_for(kind)
    arts = [sample_articulation(rng, gestures[int(rng.integers(len(gestures)))]) for _ in range(2)]
    a_is_right = rng.random() < 0.5
    sides = (Side.RIGHT, Side.LEFT) if a_is_right else (Side.LEFT, Side.RIGHT)
    idx = (0, 1) if a_is_right else (1, 0)
    inflate = [sleeve_inflation(meshes[i].coords.forearm_s, sleeves[i]) for i in idx]
    rot_a = random_rotation(rng)
    a = pose_hand(meshes[idx[0]], arts[0], sides[0], Placement(rot_a, np.zeros(3)), inflate[0])
    if kind is Interaction.TOUCH:
        b, push = _place_touch(a, meshes[idx[1]], arts[1], sides[1], rng, inflate[1])
    else:
        rot_b, offset, push = _relative_frame(kind, rot_a, rng)
        scale_a, scale_b = meshes[idx[0]].shape.scale, meshes[idx[1]].shape.scale
        centre_a = rot_a @ (PALM_CENTRE_M * scale_a)
        t_b = centre_a + offset - rot_b @ (PALM_CENTRE_M * scale_b)
        b = pose_hand(meshes[idx[1]], arts[1], sides[1], Placement(rot_b, t_b), inflate[1])
    b = push_apart(a, b, push)
    right, left = (a, b) if a_is_right else (b, a)
    art_r, art_l = (arts[0], arts[1]) if a_is_right else (arts[1], arts[0])
    return HandPair(
        right=right, left=left, interaction=kind, articulation_right=art_r, articulation_left=art_l
    )
