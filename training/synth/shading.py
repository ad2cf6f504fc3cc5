"""Lighting of the hands: wrapped diffuse with a subsurface tint, Blinn-Phong specular, ray-traced
key-light shadows and per-vertex ambient occlusion, under a sky/ground hemisphere ambient.

The shadow/occlusion scene holds *both* hands, and so does the target image of each hand: the
other hand is removed from the camera's view but still shades (see docs/synth_format.md). That
keeps the target equal to the input outside M_D and M_R (HDR paper eq. 2).
Camera axes (x right, y down, z forward); linear RGB.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from training.synth.raycast import Hits, Occluders
from training.synth.skin import SkinMaterial, skin_albedo
from training.synth.skinning import PosedHand

AO_RADIUS_M = 0.035
_AO_DIRS = 5
SHADOW_BIAS_M = 0.0015


@dataclasses.dataclass(frozen=True)
class Lights:
    """A key light plus hemisphere ambient.

    Attributes:
        key_dir: (3,) unit vector from the scene towards the key light, camera axes.
        key_rgb: (3,) linear RGB key-light radiance.
        sky_rgb: (3,) ambient from above (-y).
        ground_rgb: (3,) ambient from below (+y).
        wrap: diffuse wrap (0 = Lambert), mimics light bleeding through skin.
        softness: key-light angular radius in radians (soft shadows).
    """

    key_dir: np.ndarray
    key_rgb: np.ndarray
    sky_rgb: np.ndarray
    ground_rgb: np.ndarray
    wrap: float = 0.35
    softness: float = 0.08

    @staticmethod
    def sample(rng: np.random.Generator) -> "Lights":
        """Random lighting: key from anywhere in front/above, colour temperature 2700-7500 K-ish."""
        direction = np.array([rng.uniform(-1, 1), rng.uniform(-1.2, 0.5), rng.uniform(-1.2, -0.1)])
        warm = rng.uniform(-1, 1)
        tint = np.array([1 + 0.18 * warm, 1.0, 1 - 0.25 * warm])
        key = tint * rng.uniform(0.6, 1.3)
        sky = np.array([1 - 0.1 * warm, 1.0, 1 + 0.15 * warm]) * rng.uniform(0.12, 0.45)
        ground = rng.uniform(0.5, 1.0, 3) * rng.uniform(0.05, 0.2)
        return Lights(
            direction / np.linalg.norm(direction),
            key,
            sky,
            ground,
            float(rng.uniform(0.15, 0.5)),
            float(rng.uniform(0.02, 0.2)),
        )


def _orthonormal_dirs(normals: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Rotate (K, 3) hemisphere directions (around +z) onto each of (N, 3) normals -> (N, K, 3)."""
    helper = np.where(np.abs(normals[:, :1]) < 0.9, np.array([[1.0, 0, 0]]), np.array([[0, 1.0, 0]]))
    t = np.cross(normals, helper)
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    b = np.cross(normals, t)
    return (
        local[None, :, 0:1] * t[:, None]
        + local[None, :, 1:2] * b[:, None]
        + local[None, :, 2:3] * normals[:, None]
    )


def vertex_occlusion(vertices: np.ndarray, normals: np.ndarray, occluders: Occluders) -> np.ndarray:
    """Ambient visibility per vertex (1 = open sky, 0 = fully occluded).

    Cosine-weighted fixed directions (Fibonacci hemisphere) up to ``AO_RADIUS_M``.

    Args:
        vertices: (N, 3) surface points, camera frame, metres. normals: (N, 3) unit normals.
        occluders: scene of everything that blocks light.

    Returns:
        (N,) float32 in [0, 1].
    """
    k = np.arange(_AO_DIRS) + 0.5
    r = np.sqrt(k / _AO_DIRS)
    phi = k * np.pi * (3 - np.sqrt(5))
    local = np.stack([r * np.cos(phi), r * np.sin(phi), np.sqrt(1 - r * r)], axis=1)
    dirs = _orthonormal_dirs(normals, local).reshape(-1, 3)
    origins = np.repeat(vertices + normals * SHADOW_BIAS_M, _AO_DIRS, axis=0)
    free = occluders.free_distance(origins, dirs, AO_RADIUS_M).reshape(-1, _AO_DIRS)
    return np.clip(free / AO_RADIUS_M, 0, 1).mean(axis=1) ** 0.7


def vertex_key_light(
    vertices: np.ndarray, normals: np.ndarray, occluders: Occluders, lights: Lights, samples: int = 3
) -> np.ndarray:
    """Soft key-light visibility per vertex (fraction of jittered shadow rays that escape).

    Directions are a fixed spiral inside the light's cone of angular radius ``lights.softness``,
    so the result is deterministic.

    Args:
        vertices: (N, 3) surface points, camera frame, metres. normals: (N, 3) unit normals.
        occluders: everything that casts shadows. lights: the lighting.
        samples: shadow rays per vertex.

    Returns:
        (N,) float32 in [0, 1].
    """
    k = np.arange(samples) + 0.5
    r = np.sqrt(k / samples) * np.tan(lights.softness)
    phi = k * np.pi * (3 - np.sqrt(5))
    local = np.stack([r * np.cos(phi), r * np.sin(phi), np.ones(samples)], axis=1)
    local /= np.linalg.norm(local, axis=1, keepdims=True)
    dirs = _orthonormal_dirs(lights.key_dir[None], local)[0]
    facing = normals @ lights.key_dir > -0.2
    lit = np.zeros(len(vertices), dtype=np.float32)
    if np.any(facing):
        n_f = int(facing.sum())
        origins = np.repeat(vertices[facing] + normals[facing] * SHADOW_BIAS_M, samples, axis=0)
        free = occluders.free_distance(origins, np.tile(dirs, (n_f, 1)), 1.0).reshape(n_f, samples)
        lit[facing] = (free >= 1.0).mean(axis=1)
    return lit


def shade_hand(
    hand: PosedHand,
    hits: Hits,
    pixels: np.ndarray,
    ray_dirs: np.ndarray,
    mat: SkinMaterial,
    lights: Lights,
    vertex_ao: np.ndarray,
    vertex_lit: np.ndarray,
) -> np.ndarray:
    """Shade the given hit pixels of one hand.

    Args:
        hand: posed hand. hits: its ray hits (cast alone) on the (h, w) grid.
        pixels: (h, w) bool, which pixels to shade (must be hits of this hand).
        ray_dirs: (h, w, 3) unit ray directions.
        mat: skin material. lights: lighting.
        vertex_ao: (V,) ambient visibility from :func:`vertex_occlusion`.
        vertex_lit: (V,) key-light visibility from :func:`vertex_key_light`.

    Returns:
        (n, 3) float32 linear RGB for the ``pixels`` in row-major order.
    """
    tri = hand.triangles[hits.tri[pixels]]
    bary = hits.bary[pixels]
    normal = np.einsum("nk,nkj->nj", bary, hand.normals[tri])
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-9)
    view = -ray_dirs[pixels]
    normal = np.where((np.sum(normal * view, axis=1) < 0)[:, None], normal + view * 0.5, normal)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    coords = np.einsum("nk,nkj->nj", bary, hand.mesh.coords.stacked()[tri])
    albedo, spec = skin_albedo(coords, mat)
    ao = np.einsum("nk,nk->n", bary, vertex_ao[tri])

    lit = np.einsum("nk,nk->n", bary, vertex_lit[tri])
    ndl = normal @ lights.key_dir
    wrapped = np.clip((ndl + lights.wrap) / (1 + lights.wrap), 0, 1)
    lambert = np.clip(ndl, 0, 1)
    sss = (wrapped - lambert)[:, None] * np.array([0.8, 0.25, 0.12])
    diffuse = (wrapped[:, None] + sss) * lit[:, None]
    up = np.clip(-normal[:, 1] * 0.5 + 0.5, 0, 1)[:, None]
    ambient = (up * lights.sky_rgb + (1 - up) * lights.ground_rgb) * ao[:, None]
    half = lights.key_dir[None] + view
    half /= np.linalg.norm(half, axis=1, keepdims=True)
    fresnel = 0.3 + 0.7 * (1 - np.clip(np.sum(normal * view, axis=1), 0, 1)) ** 5
    specular = spec * fresnel * np.clip(np.sum(normal * half, axis=1), 0, 1) ** mat.shininess * lit
    rgb = albedo * (diffuse * lights.key_rgb + ambient) + specular[:, None] * lights.key_rgb
    return rgb.astype(np.float32)
