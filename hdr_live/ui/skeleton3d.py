"""CPU rendering of both hands' 3D skeletons with Open3D's ray casting (no OpenGL, no Qt).

Each joint is a small sphere and each bone a cylinder; all are put into one
``open3d.t.geometry.RaycastingScene`` and rays are cast (on one thread, so the pipeline keeps
its cores) only inside the skeletons' projected bounding box; the rest of the image is a floor
grid computed analytically at half resolution. Shading: Lambert
from a head light plus ambient. Works the same headless, under Xvfb or on a desktop. (Open3D's
``OffscreenRenderer`` was tried and fails here: "Failed to load vulkan library!".)

World axes are the video camera's (x right, y down, z away, metres); :class:`OrbitCamera` looks at
a target point from a direction given by azimuth/elevation, so azimuth = elevation = 0 shows the
hands as the video camera sees them.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from hdr_live.joints import BONES, NUM_JOINTS, Side

#: Per-side colours, RGB 0-255 (as the 2D overlay: red right, green left).
SIDE_COLOURS = {Side.RIGHT: (235, 64, 52), Side.LEFT: (60, 200, 75)}


@dataclasses.dataclass(frozen=True)
class OrbitCamera:
    """A pinhole camera orbiting ``target``.

    Attributes:
        azimuth_deg: turn about the vertical (−y) axis; positive moves the eye to the right.
        elevation_deg: turn upward; positive looks from above.
        distance_m: eye-to-target distance in metres.
        fov_deg: vertical field of view in degrees.
    """

    azimuth_deg: float = 0.0
    elevation_deg: float = 0.0
    distance_m: float = 0.6
    fov_deg: float = 45.0

    def orbited(self, d_azimuth: float, d_elevation: float) -> OrbitCamera:
        """A copy turned by the given degrees (elevation kept within ±85°)."""
        elevation = float(np.clip(self.elevation_deg + d_elevation, -85.0, 85.0))
        return dataclasses.replace(
            self, azimuth_deg=self.azimuth_deg + d_azimuth, elevation_deg=elevation
        )

    def pose(self, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(eye (3,), R (3, 3)) with R's columns the camera's right, down, forward axes."""
        az, el = math.radians(self.azimuth_deg), math.radians(self.elevation_deg)
        # forward for az = el = 0 is +z; azimuth turns about y, elevation tilts toward +y (down).
        forward = np.array([-math.sin(az) * math.cos(el), math.sin(el), math.cos(az) * math.cos(el)])
        eye = np.asarray(target, np.float64) - self.distance_m * forward
        right = np.cross(forward, [0.0, -1.0, 0.0])  # forward × up, up = −y
        right /= max(np.linalg.norm(right), 1e-9)
        down = np.cross(forward, right)
        return eye, np.stack([right, down, forward], axis=1)


@dataclasses.dataclass(frozen=True)
class SkeletonStyle:
    """Sizes and colours of the 3D view.

    Attributes:
        width_px, height_px: image size.
        joint_radius_m, bone_radius_m: sphere and cylinder radii in metres.
        floor_gap_m: the floor grid lies this far below the lowest joint (metres).
        grid_m: floor grid spacing (metres).
    """

    width_px: int = 360
    height_px: int = 270
    joint_radius_m: float = 0.007
    bone_radius_m: float = 0.0042
    floor_gap_m: float = 0.05
    grid_m: float = 0.05


def fit_distance_m(joints: np.ndarray, fov_deg: float, margin: float = 1.35) -> float:
    """Eye distance at which all ``joints`` (N, 3) fit in a ``fov_deg`` view, metres."""
    if len(joints) == 0:
        return 0.5
    radius = float(np.linalg.norm(joints - joints.mean(axis=0), axis=1).max()) + 0.02
    return float(np.clip(margin * radius / math.tan(math.radians(fov_deg) / 2.0), 0.1, 5.0))


def _unit_sphere(subdivisions: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """An icosphere: (V, 3) float64 unit vertices, (T, 3) int32 triangles."""
    t = (1.0 + 5 ** 0.5) / 2.0
    v = [(-1, t, 0), (1, t, 0), (-1, -t, 0), (1, -t, 0), (0, -1, t), (0, 1, t), (0, -1, -t),
         (0, 1, -t), (t, 0, -1), (t, 0, 1), (-t, 0, -1), (-t, 0, 1)]
    f = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4),
         (11, 10, 2), (10, 7, 6), (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8),
         (3, 8, 9), (4, 9, 5), (2, 4, 11), (6, 2, 10), (8, 6, 7), (9, 8, 1)]
    verts = [np.array(p, np.float64) / np.linalg.norm(p) for p in v]
    faces = list(f)
    for _ in range(subdivisions):
        cache: dict[tuple[int, int], int] = {}

        def mid(a: int, b: int) -> int:
            key = (min(a, b), max(a, b))
            if key not in cache:
                p = verts[a] + verts[b]
                verts.append(p / np.linalg.norm(p))
                cache[key] = len(verts) - 1
            return cache[key]

        new = []
        for a, b, c in faces:
            ab, bc, ca = mid(a, b), mid(b, c), mid(c, a)
            new += [(a, ab, ca), (b, bc, ab), (c, ca, bc), (ab, bc, ca)]
        faces = new
    return np.array(verts), np.array(faces, np.int32)


def _unit_cylinder(sides: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """An open cylinder of radius 1 from z = 0 to z = 1: vertices, triangles."""
    a = np.linspace(0.0, 2 * np.pi, sides, endpoint=False)
    ring = np.stack([np.cos(a), np.sin(a)], axis=1)
    verts = np.concatenate([np.c_[ring, np.zeros(sides)], np.c_[ring, np.ones(sides)]])
    tris = []
    for i in range(sides):
        j = (i + 1) % sides
        tris += [(i, j, sides + i), (j, sides + j, sides + i)]
    return verts, np.array(tris, np.int32)


_SPHERE = _unit_sphere()
_CYLINDER = _unit_cylinder()


def _bone_frames(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per bone (B,): rotation (B, 3, 3) whose z column runs along the bone, and length (B,)."""
    d = ends - starts
    length = np.linalg.norm(d, axis=1)
    z = d / np.maximum(length, 1e-9)[:, None]
    helper = np.where(np.abs(z[:, 1:2]) < 0.9, [[0.0, 1.0, 0.0]], [[1.0, 0.0, 0.0]])
    x = np.cross(z, helper)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = np.cross(z, x)
    return np.stack([x, y, z], axis=2), length


def skeleton_mesh(
    hands: list[tuple[Side, np.ndarray]], style: SkeletonStyle,
    inferred: frozenset[Side] = frozenset(),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spheres and cylinders of the given hands as one triangle mesh (vectorised).

    Args:
        hands: (side, (21, 3) joints in metres) per hand.
        style: radii.
        inferred: the sides whose hand is hidden and inferred (``HandPose.inferred``): drawn
            in a greyed colour.

    Returns:
        vertices (V, 3) float32, triangles (T, 3) uint32, and per triangle its colour
        (T, 3) float32 in [0, 1] (joints lighter than bones).
    """
    sv, st = _SPHERE
    cv, ct = _CYLINDER
    bones = np.array(BONES)
    verts, tris, cols = [], [], []
    offset = 0
    for side, joints in hands:
        base = np.array(SIDE_COLOURS[side], np.float32) / 255.0
        if side in inferred:
            base = 0.35 * base + 0.4
        light = 0.55 * base + 0.45
        spheres = joints[:, None, :] + style.joint_radius_m * sv[None]  # (21, Vs, 3)
        rot, length = _bone_frames(joints[bones[:, 0]], joints[bones[:, 1]])
        keep = length > 1e-6
        rot, length, starts = rot[keep], length[keep], joints[bones[keep, 0]]
        local = cv[None] * np.stack(
            [np.full_like(length, style.bone_radius_m), np.full_like(length, style.bone_radius_m),
             length], axis=1)[:, None, :]  # (B, Vc, 3)
        cylinders = np.einsum("bij,bvj->bvi", rot, local) + starts[:, None, :]
        n_s, n_c = len(joints), len(length)
        verts += [spheres.reshape(-1, 3), cylinders.reshape(-1, 3)]
        sphere_tris = st[None] + (offset + len(sv) * np.arange(n_s))[:, None, None]
        offset += n_s * len(sv)
        cyl_tris = ct[None] + (offset + len(cv) * np.arange(n_c))[:, None, None]
        offset += n_c * len(cv)
        tris += [sphere_tris.reshape(-1, 3), cyl_tris.reshape(-1, 3)]
        cols += [np.repeat(light[None], n_s * len(st), axis=0),
                 np.repeat(base[None], n_c * len(ct), axis=0)]
    if not verts:
        return np.zeros((0, 3), np.float32), np.zeros((0, 3), np.uint32), np.zeros((0, 3), np.float32)
    return (
        np.concatenate(verts).astype(np.float32),
        np.concatenate(tris).astype(np.uint32),
        np.concatenate(cols).astype(np.float32),
    )


class SkeletonRenderer:
    """Renders hands' 3D skeletons to an RGB image with Open3D ray casting (see module doc)."""

    def __init__(self, style: SkeletonStyle = SkeletonStyle()) -> None:
        import open3d as o3d  # heavy; only when a 3D view is made

        self._o3d = o3d
        self.style = style

    def render(
        self,
        hands: list[tuple[Side, np.ndarray]],
        camera: OrbitCamera,
        target: np.ndarray | None = None,
        inferred: frozenset[Side] = frozenset(),
    ) -> np.ndarray:
        """The view of ``hands`` from ``camera``.

        Args:
            hands: (side, (21, 3) float joints in metres, camera axes) per hand; may be empty.
            camera: the viewpoint.
            target: the orbit centre (3,); default the joints' centroid (or 0.5 m ahead).
            inferred: sides drawn greyed (hidden, inferred hands).

        Returns:
            (height_px, width_px, 3) uint8 RGB.
        """
        s = self.style
        for _, joints in hands:
            if joints.shape != (NUM_JOINTS, 3) or not np.all(np.isfinite(joints)):
                raise ValueError(f"hand joints must be finite (21, 3), got {joints.shape}")
        all_joints = np.concatenate([j for _, j in hands]) if hands else np.zeros((0, 3))
        if target is None:
            target = all_joints.mean(axis=0) if len(all_joints) else np.array([0.0, 0.0, 0.5])
        eye, rot = camera.pose(target)
        f = 0.5 * s.height_px / math.tan(math.radians(camera.fov_deg) / 2.0)
        image = self._floor(eye, rot, f, all_joints)
        verts, tris, cols = skeleton_mesh(hands, s, inferred)
        if len(tris):
            self._draw_mesh(image, eye, rot, f, verts, tris, cols)
        return image

    def _rays(self, f: float, rot: np.ndarray, x0: int, y0: int, x1: int, y1: int, step: int = 1):
        """(h, w, 3) float32 world directions of the pixels [y0:y1:step, x0:x1:step]."""
        s = self.style
        u = (np.arange(x0, x1, step, dtype=np.float32) - (s.width_px - 1) / 2.0) / f
        v = (np.arange(y0, y1, step, dtype=np.float32) - (s.height_px - 1) / 2.0) / f
        cam = np.stack(np.broadcast_arrays(u[None, :], v[:, None], np.float32(1.0)), axis=-1)
        return cam @ rot.T.astype(np.float32)

    def _floor(self, eye: np.ndarray, rot: np.ndarray, f: float, joints: np.ndarray) -> np.ndarray:
        """Background: a dark gradient and a grid on the plane y = floor (below the hands),
        computed at half resolution (it is smooth) and upsampled."""
        import cv2

        s = self.style
        dirs = self._rays(f, rot, 0, 0, s.width_px, s.height_px, step=2)
        shade = np.linspace(46, 22, dirs.shape[0], dtype=np.float32)[:, None]
        image = np.repeat(shade, dirs.shape[1], axis=1)
        floor_y = (joints[:, 1].max() if len(joints) else 0.1) + s.floor_gap_m
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (floor_y - eye[1]) / dirs[..., 1]
            gx = np.abs(((eye[0] + t * dirs[..., 0]) / s.grid_m + 0.5) % 1.0 - 0.5)
            gz = np.abs(((eye[2] + t * dirs[..., 2]) / s.grid_m + 0.5) % 1.0 - 0.5)
        line = (t > 0) & ((gx < 0.05) | (gz < 0.05))
        image += line * 70.0 * np.clip(1.6 - t, 0.0, 1.0)  # fades out 1.6 m from the eye
        image = cv2.resize(image, (s.width_px, s.height_px), interpolation=cv2.INTER_LINEAR)
        return np.repeat(np.clip(image, 0, 255).astype(np.uint8)[..., None], 3, axis=2)

    def _draw_mesh(self, image, eye, rot, f, verts, tris, cols) -> None:
        """Ray-cast the mesh inside its projected bounding box and shade the hits into image."""
        s = self.style
        cam = (verts - eye) @ rot  # camera coordinates
        front = cam[:, 2] > 1e-3
        if not front.any():
            return
        uv = cam[front, :2] / cam[front, 2:3] * f
        cx, cy = (s.width_px - 1) / 2.0, (s.height_px - 1) / 2.0
        x0 = int(np.clip(np.floor(uv[:, 0].min() + cx) - 2, 0, s.width_px))
        x1 = int(np.clip(np.ceil(uv[:, 0].max() + cx) + 3, 0, s.width_px))
        y0 = int(np.clip(np.floor(uv[:, 1].min() + cy) - 2, 0, s.height_px))
        y1 = int(np.clip(np.ceil(uv[:, 1].max() + cy) + 3, 0, s.height_px))
        if x1 <= x0 or y1 <= y0:
            return
        o3d = self._o3d
        scene = o3d.t.geometry.RaycastingScene()
        scene.add_triangles(o3d.core.Tensor(verts), o3d.core.Tensor(tris))
        d = self._rays(f, rot, x0, y0, x1, y1)
        rays = np.concatenate([np.broadcast_to(eye.astype(np.float32), d.shape), d], axis=-1)
        ans = scene.cast_rays(o3d.core.Tensor(np.ascontiguousarray(rays)), nthreads=1)
        prim = ans["primitive_ids"].numpy()
        hit = prim != scene.INVALID_ID
        if not hit.any():
            return
        normals = ans["primitive_normals"].numpy()[hit]
        ray_dir = d[hit] / np.linalg.norm(d[hit], axis=1, keepdims=True)
        lambert = np.abs(np.sum(normals * ray_dir, axis=1))
        colour = cols[prim[hit]] * (0.3 + 0.7 * lambert)[:, None]
        image[y0:y1, x0:x1][hit] = np.clip(colour * 255.0, 0, 255).astype(np.uint8)
