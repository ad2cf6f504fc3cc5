"""Render posed hands into per-hand colour layers and compose images from them.

Every hand is cast alone (its *amodal* coverage) and shaded on all its hit pixels, with the
shadow/occlusion scene holding all hands. Composition then picks, per pixel, the nearest hand
(the input image) or only the target hand (the target image I_o* of HDR paper §3.3).
Linear RGB, (h, w) grids of :meth:`training.synth.camera.Camera.rays`.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from training.synth.camera import Camera
from training.synth.raycast import Hits, Occluders, cast_hand
from training.synth.shading import Lights, shade_hand, vertex_key_light, vertex_occlusion
from training.synth.skin import SkinMaterial
from training.synth.skinning import PosedHand


@dataclasses.dataclass(frozen=True)
class HandLayer:
    """One hand rendered alone.

    Attributes:
        hits: ray hits of the hand cast alone.
        rgb: (h, w, 3) float32 linear RGB, zero where the hand is not hit.
    """

    hits: Hits
    rgb: np.ndarray


def ray_window(hand: PosedHand, camera: Camera, supersample: int) -> tuple[int, int, int, int] | None:
    """The ray-grid box ``(y0, y1, x0, x1)`` holding the hand's projection (None: cast all rays).

    Vertices at or behind the camera plane make the box unbounded (None).
    """
    if hand.vertices[:, 2].min() <= 1e-3:
        return None
    px = camera.project(hand.vertices) * supersample + (supersample - 1) / 2.0
    h, w = camera.height * supersample, camera.width * supersample
    x0, y0 = np.floor(px.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(px.max(axis=0)).astype(int) + 3
    return max(y0, 0), min(y1, h), max(x0, 0), min(x1, w)


def render_layers(
    hands: list[PosedHand],
    materials: list[SkinMaterial],
    lights: Lights,
    camera: Camera,
    supersample: int = 1,
) -> list[HandLayer]:
    """Cast and shade each hand alone (shadows from all hands).

    Args:
        hands: posed hands, camera frame. materials: one per hand. lights: lighting.
        camera: intrinsics. supersample: rays per pixel side.

    Returns:
        One :class:`HandLayer` per hand, same order, on the (H*s, W*s) ray grid.
    """
    rays = camera.rays(supersample)
    occ = Occluders(hands)
    layers = []
    for hand, mat in zip(hands, materials):
        hits = cast_hand(hand, rays, ray_window(hand, camera, supersample))
        rgb = np.zeros(rays.shape[:2] + (3,), dtype=np.float32)
        if hits.hit.any():
            used = np.unique(hand.triangles[hits.tri[hits.hit]])
            v, n = hand.vertices[used], hand.normals[used]
            ao = np.zeros(len(hand.vertices), np.float32)
            lit = np.zeros(len(hand.vertices), np.float32)
            ao[used] = vertex_occlusion(v, n, occ)
            lit[used] = vertex_key_light(v, n, occ, lights)
            rgb[hits.hit] = shade_hand(hand, hits, hits.hit, rays[..., 3:], mat, lights, ao, lit)
        layers.append(HandLayer(hits=hits, rgb=rgb))
    return layers


def nearest_owner(layers: list[HandLayer], include: list[bool] | None = None) -> np.ndarray:
    """Index of the nearest included hand per ray, -1 where none is hit.

    Args:
        layers: hand layers. include: which layers take part (default all).

    Returns:
        (h, w) int64.
    """
    include = include or [True] * len(layers)
    t = np.stack([l.hits.t if inc else np.full_like(l.hits.t, np.inf) for l, inc in zip(layers, include)])
    owner = np.argmin(t, axis=0)
    return np.where(np.isfinite(t.min(axis=0)), owner, -1)


def compose(background_lin: np.ndarray, layers: list[HandLayer], owner: np.ndarray) -> np.ndarray:
    """Paint each pixel from its owner layer, background where owner is -1.

    Args:
        background_lin: (h, w, 3) float32 linear RGB.
        layers: hand layers. owner: (h, w) int64 from :func:`nearest_owner`.

    Returns:
        (h, w, 3) float32 linear RGB.
    """
    out = background_lin.copy()
    for i, layer in enumerate(layers):
        sel = owner == i
        out[sel] = layer.rgb[sel]
    return out


def downsample(image: np.ndarray, factor: int) -> np.ndarray:
    """Box-filter an (h*f, w*f, ...) float image to (h, w, ...) (pixel areas averaged)."""
    if factor == 1:
        return image
    h, w = image.shape[0] // factor, image.shape[1] // factor
    return cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
