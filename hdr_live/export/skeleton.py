"""The animated two-hand skeleton shared by the BVH and glTF writers.

Hierarchy (node order, depth first): a ``hands`` root, then for each hand of
:data:`~hdr_live.export.series.HAND_ORDER` (right, left) its wrist ``<side>_wrist``, and under the
wrist five fingers, each ``<side>_<finger>_metacarpal`` (a node at the wrist, zero offset, that
owns the wrist→finger-base bone) → base → … → tip, named after the joints (``right_index_mcp``).
The wrist carries the palm orientation; every other node but a tip owns exactly one bone (to
its one child), so one rotation per node turns every bone onto the pose log's direction exactly.

Axes are the exports' Y-up axes (:data:`~hdr_live.export.placement.CAMERA_TO_OUTPUT`), metres.
Rest pose: all rotations identity, wrist at the origin, the palm frame on the axes (y from the
wrist to the middle-finger MCP, x towards the index MCP from the pinky MCP, z = x × y), each bone
of the clip's median length along its mean direction in the palm frame. Per frame, the wrist
rotates the palm frame into place, and each bone's node turns the direction its parent carries
onto the logged direction by the smallest rotation (so twist follows the parent). Rows where a
hand is absent (or its joints are not finite) hold the last valid pose (before the first one:
the first valid pose); a hand never seen stays in the rest pose at the origin.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.spatial.transform import Rotation

from hdr_live.export import placement
from hdr_live.export.series import HAND_ORDER, JOINT_NAMES, PoseSeries
from hdr_live.joints import BONES, FINGERS, NUM_JOINTS

FINGER_NAMES = ("thumb", "index", "middle", "ring", "pinky")
_EPS = 1e-9
# A plausible flat right hand in its palm frame (metres), for a hand the clip never shows.
_TEMPLATE_BASES = np.array([[0.025, 0.025, 0], [0.022, 0.085, 0], [0, 0.09, 0],
                            [-0.02, 0.085, 0], [-0.038, 0.075, 0]])
_TEMPLATE_PHALANGES = np.array([[0.035, 0.03, 0.028], [0.04, 0.025, 0.022], [0.045, 0.028, 0.024],
                                [0.042, 0.026, 0.023], [0.032, 0.02, 0.02]])


@dataclasses.dataclass(frozen=True)
class SkeletonAnimation:
    """Rest pose and per-row local rotations of the two-hand skeleton (N = 53 nodes, F rows).

    Attributes:
        names: (N,) node names. parents: (N,) int64 parent node, -1 for the root.
        offsets: (N, 3) float64 rest translation of each node in its parent's frame, metres.
        rotations: (F, N, 4) float64 local rotation quaternions (x, y, z, w), scalar last.
        wrist_positions: (F, 2, 3) float64 wrist translation in the root frame, metres.
        wrist_nodes: (2,) int64 node of each hand's wrist (hand order right, left).
        joint_nodes: (2, 21) int64 node whose origin is each joint.
        bone_lengths: (2, 20) float64 metres, the rest length of each of ``BONES``.
        valid: (F, 2) bool, rows whose pose came from that row (False: held).
        times_s: (F,) float64 sample times from 0. frame_time_s: float, fixed step (BVH).
        inferred: (F, 2) bool, the hand was hidden and its pose inferred on that row.
        camera_space: the wrists follow the fitted model in the camera frame (else the image
            plane, :mod:`hdr_live.export.placement`).
    """

    names: tuple[str, ...]
    parents: np.ndarray
    offsets: np.ndarray
    rotations: np.ndarray
    wrist_positions: np.ndarray
    wrist_nodes: np.ndarray
    joint_nodes: np.ndarray
    bone_lengths: np.ndarray
    valid: np.ndarray
    times_s: np.ndarray
    frame_time_s: float
    inferred: np.ndarray
    camera_space: bool

    @property
    def children(self) -> list[list[int]]:
        """Child node indices of each node, in node order."""
        kids: list[list[int]] = [[] for _ in self.names]
        for node, parent in enumerate(self.parents):
            if parent >= 0:
                kids[parent].append(node)
        return kids


def _hierarchy() -> tuple[list[str], list[int], np.ndarray, dict[tuple[int, int], int]]:
    """Names, parents, joint→node (2, 21) and (hand, bone index)→the node owning the bone."""
    names, parents = ["hands"], [-1]
    joint_nodes = np.zeros((2, NUM_JOINTS), dtype=np.int64)
    owner: dict[tuple[int, int], int] = {}

    def add(name: str, parent: int) -> int:
        names.append(name)
        parents.append(parent)
        return len(names) - 1

    for h, side in enumerate(HAND_ORDER):
        joint_nodes[h, 0] = add(f"{side.value}_wrist", 0)
        for finger, chain in zip(FINGER_NAMES, FINGERS):
            node = add(f"{side.value}_{finger}_metacarpal", int(joint_nodes[h, 0]))
            for parent_joint, joint in zip(chain[:-1], chain[1:]):
                owner[(h, BONES.index((parent_joint, joint)))] = node
                node = joint_nodes[h, joint] = add(f"{side.value}_{JOINT_NAMES[joint]}", node)
    return names, parents, joint_nodes, owner


def _unit(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(norm, _EPS), norm[..., 0]


def palm_frames(joints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(F, 3, 3) palm-frame matrices (columns x, y, z) of (F, 21, 3) joints, and (F,) bool ok."""
    y, ny = _unit(joints[:, 9] - joints[:, 0])
    across = joints[:, 5] - joints[:, 17]
    x, nx = _unit(across - np.sum(across * y, axis=-1, keepdims=True) * y)
    ok = (ny > 1e-6) & (nx > 1e-6)
    return np.stack([x, y, np.cross(x, y)], axis=-1), ok


def _align(u: np.ndarray, v: np.ndarray) -> Rotation:
    """Smallest rotations turning unit vectors u onto unit vectors v, both (F, 3)."""
    axis, s = _unit(np.cross(u, v))
    c = np.sum(u * v, axis=-1)
    flip = (s < 1e-12) & (c < 0)  # opposite: any axis perpendicular to u
    if flip.any():
        other = np.where(np.abs(u[flip, :1]) < 0.9, [[1.0, 0, 0]], [[0, 1.0, 0]])
        axis[flip] = _unit(np.cross(u[flip], other))[0]
    return Rotation.from_rotvec(axis * np.arctan2(s, c)[:, None])


def _template_rest() -> tuple[np.ndarray, np.ndarray]:
    dirs, lengths = np.zeros((len(BONES), 3)), np.zeros(len(BONES))
    for f, chain in enumerate(FINGERS):
        base = BONES.index((0, chain[1]))
        dirs[base], lengths[base] = _unit(_TEMPLATE_BASES[f])[0], np.linalg.norm(_TEMPLATE_BASES[f])
        tilt = np.array([0.6, 0.8, 0.0]) if f == 0 else np.array([0.0, 1.0, 0.0])
        dirs[base + 1:base + 4], lengths[base + 1:base + 4] = tilt, _TEMPLATE_PHALANGES[f]
    return dirs, lengths


def _rest(joints: np.ndarray, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(20, 3) unit rest directions in the palm frame and (20,) median lengths, or None."""
    if frames.size == 0:
        return None
    j = joints[frames]
    bones = np.stack([j[:, c] - j[:, p] for p, c in BONES], axis=1)  # (K, 20, 3)
    units, lengths = _unit(bones)
    in_palm = np.einsum("kji,kbj->kbi", palm_frames(j)[0], units)
    return _unit(in_palm.mean(axis=0))[0], np.median(lengths, axis=0)


def _hand_rotations(joints: np.ndarray, rest_dirs: np.ndarray, bone_nodes: list[int],
                    wrist_node: int, out: np.ndarray) -> None:
    """Fill ``out`` (F, N, 4) with one hand's local rotations from its (F, 21, 3) joints (every
    row valid: absent rows already replaced by the rows they hold)."""
    palm = Rotation.from_matrix(palm_frames(joints)[0])
    out[:, wrist_node] = palm.as_quat()
    for chain in FINGERS:
        carried = palm
        for p, c in zip(chain[:-1], chain[1:]):
            bone = BONES.index((p, c))
            d, length = _unit(joints[:, c] - joints[:, p])
            now = carried.apply(rest_dirs[bone])
            d = np.where(length[:, None] > _EPS, d, now)
            world = _align(now, d) * carried
            out[:, bone_nodes[bone]] = (carried.inv() * world).as_quat()
            carried = world


def _valid(series: PoseSeries, joints: np.ndarray) -> np.ndarray:
    finite = np.isfinite(series.joints_rel_m).all(axis=(2, 3))
    finite &= np.isfinite(series.joints_px).all(axis=(2, 3))
    ok = np.stack([palm_frames(np.nan_to_num(joints[:, h]))[1] for h in range(2)], axis=1)
    return series.presence & finite & ok


def build_animation(series: PoseSeries) -> SkeletonAnimation:
    """The skeleton, rest pose and per-row rotations of ``series`` (see the module docstring).

    Returns:
        A :class:`SkeletonAnimation` with F = ``series.num_frames`` rows (F may be 0).
    """
    names, parents, joint_nodes, owner = _hierarchy()
    joints = placement.to_output_axes(series.joints_rel_m)
    valid = _valid(series, joints)
    rests = [_rest(joints[:, h], np.flatnonzero(valid[:, h])) for h in range(2)]
    for h in range(2):  # a hand never seen: the other hand mirrored (z in the palm frame), or flat
        if rests[h] is None:
            other = rests[1 - h]
            rests[h] = (other[0] * [1, 1, -1], other[1]) if other else _template_rest()
    offsets = np.zeros((len(names), 3))
    rotations = np.zeros((series.num_frames, len(names), 4))
    rotations[..., 3] = 1.0
    for h, (dirs, lengths) in enumerate(rests):
        for b, (_, child) in enumerate(BONES):
            offsets[joint_nodes[h, child]] = dirs[b] * lengths[b]
        if valid[:, h].any():
            index = placement.hold_index(valid[:, h])
            rows = np.zeros((series.num_frames, len(names), 4))
            bone_nodes = [owner[(h, b)] for b in range(len(BONES))]
            _hand_rotations(joints[index, h], dirs, bone_nodes, joint_nodes[h, 0], rows)
            hand_nodes = [joint_nodes[h, 0], *bone_nodes]
            rotations[:, hand_nodes] = rows[:, hand_nodes]
    return SkeletonAnimation(
        names=tuple(names), parents=np.array(parents, dtype=np.int64), offsets=offsets,
        rotations=rotations,
        wrist_positions=placement.wrist_positions_m(series.joints_px, series.joints_rel_m, valid,
                                                    series.joints_cam_m),
        wrist_nodes=joint_nodes[:, 0].copy(), joint_nodes=joint_nodes,
        bone_lengths=np.stack([r[1] for r in rests]), valid=valid,
        times_s=placement.sample_times_s(series.t_s),
        frame_time_s=placement.frame_time_s(series.t_s),
        inferred=series.inferred & series.presence,
        camera_space=placement.in_camera_space(series.joints_cam_m, valid))
