"""Mesh the rest-pose hand SDF (marching cubes) and attach skinning weights and surface coordinates.

The mesh is built once per :class:`~hdr_live.hand_model.skeleton.HandShape` and posed many times by
linear-blend skinning (:mod:`training.synth.skinning`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import open3d as o3d
from scipy.ndimage import zoom
from skimage import measure

from hdr_live.joints import FINGERS
from hdr_live.hand_model.articulation import FOREARM_BONE, NUM_BONES, ROOT_BONE, finger_bone
from training.synth.hand_sdf import FOREARM_LENGTH_M, hand_fields, segment_radii
from training.synth.noise import fractal_noise_3d
from hdr_live.hand_model.skeleton import HandShape, RestSkeleton, rest_skeleton

#: Marching-cubes voxel size (metres) and the number of triangles kept after decimation.
VOXEL_M = 0.0018
TARGET_TRIANGLES = 24000
#: Skinning blend distance (metres): how far across a joint a bone's influence reaches.
SKIN_TAU_M = 0.0028
_BLOCK = 2


@dataclasses.dataclass(frozen=True)
class SurfaceCoords:
    """Per-vertex coordinates used to paint skin details (all (V,) float32 unless noted).

    Attributes:
        rest: (V, 3) rest position, hand frame, metres (unit scale); seeds 3D skin noise.
        finger_u: position along the nearest finger in joint units: 0 at its base joint (MCP,
            thumb CMC), 1 at the next joint, 2 at the next, 3 at the tip. Linear along a finger,
            so interpolated per pixel it gives sharp crease lines and nail outlines.
        finger_lat: signed distance from the finger axis across the finger, in finger radii.
        finger_pal: distance from the finger axis towards the palmar side, in finger radii.
        on_finger: 0 on the palm/forearm, 1 on a finger (thumb metacarpal counts as palm).
        palmar: 0 on the dorsal side, 1 on the palmar side (smooth).
        forearm_s: distance from the wrist along the forearm, metres (0 on the hand).
        noise: (V, 3) skin noise in [0, 1] fixed per mesh: two 12 mm mottling fields (a
            material mixes them by its seed) and a 1 mm pore field.
    """

    rest: np.ndarray
    finger_u: np.ndarray
    finger_lat: np.ndarray
    finger_pal: np.ndarray
    on_finger: np.ndarray
    palmar: np.ndarray
    forearm_s: np.ndarray
    noise: np.ndarray

    def stacked(self) -> np.ndarray:
        """All coordinates as one (V, 12) float32 array: rest xyz, the six scalars in order, noise."""
        scalars = [
            self.finger_u,
            self.finger_lat,
            self.finger_pal,
            self.on_finger,
            self.palmar,
            self.forearm_s,
        ]
        return np.concatenate([self.rest, np.stack(scalars, axis=1), self.noise], axis=1).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class HandMesh:
    """A rest-pose right-hand mesh with skinning data.

    Attributes:
        shape: the shape it was built for.
        skeleton: its rest skeleton.
        vertices: (V, 3) float64 rest positions, hand frame, metres, unit global scale.
        normals: (V, 3) float64 unit outward normals at rest.
        triangles: (F, 3) int32 vertex indices, counter-clockwise seen from outside.
        weights: (V, 17) float32 skinning weights (rows sum to 1), bones per
            :mod:`hdr_live.hand_model.articulation`.
        coords: per-vertex :class:`SurfaceCoords`.
    """

    shape: HandShape
    skeleton: RestSkeleton
    vertices: np.ndarray
    normals: np.ndarray
    triangles: np.ndarray
    weights: np.ndarray
    coords: SurfaceCoords


def _grid_bounds(rest: RestSkeleton) -> tuple[np.ndarray, np.ndarray]:
    joints = rest.joints()
    lo = joints.min(axis=0) - 0.022
    hi = joints.max(axis=0) + 0.022
    lo[1] = -FOREARM_LENGTH_M - 0.045
    lo[2] = min(lo[2], -0.03)
    hi[2] = max(hi[2], 0.03)
    lo[0], hi[0] = min(lo[0], -0.05), max(hi[0], 0.05)
    return lo, hi


def _narrow_band_volume(rest: RestSkeleton, shape: HandShape, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """SDF on the fine grid, evaluated exactly only in blocks near the surface.

    A coarse grid (every ``_BLOCK``-th fine node) is evaluated first; blocks whose corner
    distances are all larger than the block diagonal cannot hold the surface and keep
    trilinearly upsampled coarse values (right sign, wrong magnitude, never meshed).
    """
    n = np.ceil((hi - lo) / VOXEL_M).astype(int) + 1
    nb = -(-(n - 1) // _BLOCK)
    n = nb * _BLOCK + 1
    coarse_axes = [lo[i] + np.arange(nb[i] + 1) * VOXEL_M * _BLOCK for i in range(3)]
    cgrid = np.stack(np.meshgrid(*coarse_axes, indexing="ij"), axis=-1).reshape(-1, 3)
    coarse = hand_fields(cgrid, rest, shape).surface.reshape(nb + 1)
    vol = zoom(coarse, _BLOCK, order=1, grid_mode=False)[: n[0], : n[1], : n[2]]
    near = np.abs(coarse) < 2.0 * VOXEL_M * _BLOCK * np.sqrt(3)  # 2x: the fields are not exact SDFs
    active = near[:-1, :-1, :-1] | near[1:, :-1, :-1] | near[:-1, 1:, :-1] | near[:-1, :-1, 1:]
    active |= near[1:, 1:, :-1] | near[1:, :-1, 1:] | near[:-1, 1:, 1:] | near[1:, 1:, 1:]
    fine = np.zeros(n, dtype=bool)
    fine[:-1, :-1, :-1] = active.repeat(_BLOCK, 0).repeat(_BLOCK, 1).repeat(_BLOCK, 2)
    fine[1:] |= fine[:-1].copy()
    fine[:, 1:] |= fine[:, :-1].copy()
    fine[:, :, 1:] |= fine[:, :, :-1].copy()
    idx = np.argwhere(fine)
    vol[fine] = hand_fields(lo + idx * VOXEL_M, rest, shape).surface
    return vol


def _march(rest: RestSkeleton, shape: HandShape) -> o3d.geometry.TriangleMesh:
    lo, hi = _grid_bounds(rest)
    vol = _narrow_band_volume(rest, shape, lo, hi)
    vol = np.pad(vol, 1, constant_values=1.0)  # outside all round: the surface is always closed
    verts, faces, _, _ = measure.marching_cubes(vol, level=0.0, spacing=(VOXEL_M,) * 3)
    verts = verts + lo - VOXEL_M
    mesh = o3d.geometry.TriangleMesh(o3d.utility.Vector3dVector(verts), o3d.utility.Vector3iVector(faces))
    mesh = mesh.simplify_quadric_decimation(TARGET_TRIANGLES)
    mesh.remove_degenerate_triangles()
    mesh.remove_unreferenced_vertices()
    tri = np.asarray(mesh.triangles)
    v = np.asarray(mesh.vertices)
    signed_vol = np.einsum("ij,ij->i", v[tri[:, 0]], np.cross(v[tri[:, 1]], v[tri[:, 2]])).sum()
    if signed_vol < 0:
        mesh.triangles = o3d.utility.Vector3iVector(tri[:, ::-1].copy())
    mesh.compute_vertex_normals()
    return mesh


def _segment_distances(v: np.ndarray, rest: RestSkeleton) -> tuple[np.ndarray, np.ndarray]:
    """Axial+radial distance of vertices to each finger segment and the joint-unit coordinate."""
    joints = rest.joints()
    dist = np.empty((15, len(v)))
    unit = np.empty((15, len(v)))
    for f, chain in enumerate(FINGERS):
        radii = segment_radii(rest, f)
        for k in range(3):
            a, b = joints[chain[k + 1]], joints[chain[k + 2]]
            length = np.linalg.norm(b - a)
            d = (b - a) / length
            t = (v - a) @ d
            radial = np.linalg.norm((v - a) - t[:, None] * d, axis=1)
            end = length + (radii[3] if k == 2 else 0.0)
            axial = np.maximum(np.maximum(-t, t - end), 0.0)
            dist[3 * f + k] = axial + np.maximum(radial - 1.1 * max(radii[k], radii[k + 1]), 0.0)
            unit[3 * f + k] = k + t / length
    return dist, unit


def _skin(v: np.ndarray, rest: RestSkeleton, shape: HandShape) -> tuple[np.ndarray, np.ndarray]:
    fields = hand_fields(v, rest, shape)
    seg_dist, seg_unit = _segment_distances(v, rest)
    dist = np.empty((NUM_BONES, len(v)))
    dist[ROOT_BONE] = np.maximum(fields.palm, 0.0) + np.maximum(-v[:, 1] - 0.004, 0.0) * 0.6
    dist[FOREARM_BONE] = np.maximum(v[:, 1] + 0.004, 0.0) * 0.6
    for f in range(5):
        for k in range(3):
            dist[finger_bone(f, k)] = seg_dist[3 * f + k]
    w = np.exp(-(dist - dist.min(axis=0)) / SKIN_TAU_M)
    w[w < 0.01] = 0.0
    w /= w.sum(axis=0, keepdims=True)
    return w.T.astype(np.float32), seg_unit


def _surface_coords(v: np.ndarray, w: np.ndarray, seg_unit: np.ndarray, rest: RestSkeleton) -> SurfaceCoords:
    finger_w = w[:, 2:].reshape(len(v), 5, 3)
    nearest = finger_w.sum(axis=2).argmax(axis=1)
    joints = rest.joints()
    u = np.zeros(len(v))
    lat = np.zeros(len(v))
    pal = np.zeros(len(v))
    for f, chain in enumerate(FINGERS):
        sel = nearest == f
        seg_w = finger_w[sel, f, :] + 1e-9
        u[sel] = (seg_unit[3 * f : 3 * f + 3, sel].T * seg_w).sum(axis=1) / seg_w.sum(axis=1)
        frame = rest.frames[f]
        local = (v[sel] - joints[chain[1]]) @ frame
        radius = segment_radii(rest, f).mean()
        lat[sel] = local[:, 0] / radius
        pal[sel] = local[:, 2] / radius
    thumb_meta = finger_w[:, 0, 0]
    on_finger = np.clip(finger_w.sum(axis=(1, 2)) - thumb_meta, 0.0, 1.0)
    palmar_palm = np.clip((v[:, 2] - 0.0) / 0.008 + 0.5, 0.0, 1.0)
    palmar_finger = np.clip(pal / 0.7 + 0.5, 0.0, 1.0)
    palmar = on_finger * palmar_finger + (1 - on_finger) * palmar_palm
    return SurfaceCoords(
        rest=v.astype(np.float32),
        finger_u=u.astype(np.float32),
        finger_lat=lat.astype(np.float32),
        finger_pal=pal.astype(np.float32),
        on_finger=on_finger.astype(np.float32),
        palmar=palmar.astype(np.float32),
        forearm_s=np.maximum(-v[:, 1], 0.0).astype(np.float32),
        noise=np.stack(
            [
                fractal_noise_3d(v, 1 / 0.012, 3, 11),
                fractal_noise_3d(v, 1 / 0.012, 3, 29),
                fractal_noise_3d(v, 1 / 0.001, 1, 47),
            ],
            axis=1,
        ),
    )


def build_hand_mesh(shape: HandShape) -> HandMesh:
    """Mesh a rest-pose right hand with forearm for ``shape``.

    Args:
        shape: hand shape; ``shape.scale`` is not applied (the posed geometry is scaled).

    Returns:
        The :class:`HandMesh`.
    """
    rest = rest_skeleton(shape)
    mesh = _march(rest, shape)
    v = np.asarray(mesh.vertices).copy()
    weights, seg_unit = _skin(v, rest, shape)
    coords = _surface_coords(v, weights, seg_unit, rest)
    return HandMesh(
        shape=shape,
        skeleton=rest,
        vertices=v,
        normals=np.asarray(mesh.vertex_normals).copy(),
        triangles=np.asarray(mesh.triangles).astype(np.int32),
        weights=weights,
        coords=coords,
    )
