"""Ray casting of posed hands with open3d's ``RaycastingScene`` (Embree).

Each hand is cast *alone*, which gives its amodal coverage directly; the first hit of the pair
(the smaller ``t``) gives the visible masks. Shadow and occlusion rays use a scene of both hands.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import open3d as o3d

from training.synth.skinning import PosedHand


@dataclasses.dataclass(frozen=True)
class Hits:
    """Ray hits of one hand cast alone, on an (h, w) ray grid.

    Attributes:
        t: (h, w) float32 distance along the unit ray, metres; ``inf`` where the ray misses.
        tri: (h, w) int64 triangle index into the hand's triangles (undefined where missed).
        bary: (h, w, 3) float32 barycentric weights of the triangle's three vertices.
    """

    t: np.ndarray
    tri: np.ndarray
    bary: np.ndarray

    @property
    def hit(self) -> np.ndarray:
        """(h, w) bool: where the ray hits the hand."""
        return np.isfinite(self.t)


def _scene(hands: list[PosedHand]) -> o3d.t.geometry.RaycastingScene:
    scene = o3d.t.geometry.RaycastingScene()
    for hand in hands:
        scene.add_triangles(
            o3d.core.Tensor(hand.vertices.astype(np.float32)),
            o3d.core.Tensor(hand.triangles.astype(np.uint32)),
        )
    return scene


def cast_hand(hand: PosedHand, rays: np.ndarray, window: tuple[int, int, int, int] | None = None) -> Hits:
    """Cast rays against one hand alone.

    Args:
        hand: the posed hand (camera frame).
        rays: (h, w, 6) float32 rays from :meth:`training.synth.camera.Camera.rays`.
        window: optional ``(y0, y1, x0, x1)`` ray-grid box known to contain every hit; rays
            outside it are reported as misses without being cast.

    Returns:
        :class:`Hits` on the (h, w) grid.
    """
    h, w = rays.shape[:2]
    y0, y1, x0, x1 = window if window is not None else (0, h, 0, w)
    t = np.full((h, w), np.inf, np.float32)
    tri = np.zeros((h, w), np.int64)
    bary = np.zeros((h, w, 3), np.float32)
    if y1 > y0 and x1 > x0:
        out = _scene([hand]).cast_rays(o3d.core.Tensor(np.ascontiguousarray(rays[y0:y1, x0:x1])))
        uv = out["primitive_uvs"].numpy()
        t[y0:y1, x0:x1] = out["t_hit"].numpy()
        tri[y0:y1, x0:x1] = out["primitive_ids"].numpy().astype(np.int64)
        bary[y0:y1, x0:x1] = np.stack([1.0 - uv[..., 0] - uv[..., 1], uv[..., 0], uv[..., 1]], axis=-1)
    return Hits(t=t, tri=tri, bary=bary)


class Occluders:
    """A scene of several posed hands for shadow and ambient-occlusion queries."""

    def __init__(self, hands: list[PosedHand]) -> None:
        """Build the scene.

        Args:
            hands: posed hands (camera frame) that block light.
        """
        self._scene = _scene(hands)

    def free_distance(self, origins: np.ndarray, directions: np.ndarray, max_m: float) -> np.ndarray:
        """Distance each ray travels before hitting a hand, capped at ``max_m``.

        Args:
            origins: (N, 3) float ray origins (camera frame, metres), already offset off the surface.
            directions: (N, 3) float unit directions.
            max_m: cap in metres.

        Returns:
            (N,) float32 distances in [0, max_m].
        """
        rays = np.concatenate([origins, directions], axis=1).astype(np.float32)
        t = self._scene.cast_rays(o3d.core.Tensor(rays))["t_hit"].numpy()
        return np.minimum(t, max_m).astype(np.float32)
