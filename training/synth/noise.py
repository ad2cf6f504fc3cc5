"""Seeded value noise (3D and 2D), vectorised numpy, for skin and background textures."""

from __future__ import annotations

import cv2
import numpy as np

_P1, _P2, _P3 = np.int64(73856093), np.int64(19349663), np.int64(83492791)


def _hash(ix: np.ndarray, iy: np.ndarray, iz: np.ndarray, seed: int) -> np.ndarray:
    h = (ix * _P1) ^ (iy * _P2) ^ (iz * _P3) ^ np.int64(seed * 2654435761 % (2**31))
    h = (h ^ (h >> 13)) * np.int64(1274126177)
    h = h ^ (h >> 16)
    return (h & 0xFFFF).astype(np.float32) / np.float32(65535.0)


def value_noise_3d(points: np.ndarray, frequency: float, seed: int) -> np.ndarray:
    """Smooth value noise in [0, 1] at 3D points (trilinear with smoothstep).

    Args:
        points: (N, 3) float coordinates (any unit).
        frequency: lattice cells per unit.
        seed: integer seed; the same seed and points give the same values.

    Returns:
        (N,) float32 noise.
    """
    p = np.asarray(points, dtype=np.float64) * frequency
    i = np.floor(p).astype(np.int64)
    f = (p - i).astype(np.float32)
    f = f * f * (3 - 2 * f)
    out = np.zeros(len(p), dtype=np.float32)
    for dx in (0, 1):
        wx = f[:, 0] if dx else 1 - f[:, 0]
        for dy in (0, 1):
            wy = f[:, 1] if dy else 1 - f[:, 1]
            for dz in (0, 1):
                wz = f[:, 2] if dz else 1 - f[:, 2]
                out += wx * wy * wz * _hash(i[:, 0] + dx, i[:, 1] + dy, i[:, 2] + dz, seed)
    return out


def fractal_noise_3d(points: np.ndarray, frequency: float, octaves: int, seed: int) -> np.ndarray:
    """Sum of ``octaves`` value-noise octaves (gain 0.5, lacunarity 2), normalised to [0, 1].

    Args:
        points: (N, 3) float coordinates. frequency: base frequency. octaves: >= 1. seed: int.

    Returns:
        (N,) float32 noise.
    """
    total = np.zeros(len(points), dtype=np.float32)
    amp, norm = 1.0, 0.0
    for o in range(octaves):
        total += amp * value_noise_3d(points, frequency * 2**o, seed + 101 * o)
        norm += amp
        amp *= 0.5
    return total / norm


def fractal_noise_2d(height: int, width: int, cell_px: float, octaves: int, seed: int) -> np.ndarray:
    """Fractal value noise on an image grid (bicubic upsampling of random lattices, fast).

    Args:
        height, width: image size in pixels. cell_px: base lattice cell size in pixels.
        octaves: >= 1. seed: int.

    Returns:
        (height, width) float32 in [0, 1] (approximately; bicubic overshoot is clipped).
    """
    rng = np.random.default_rng(seed)
    total = np.zeros((height, width), np.float32)
    amp, norm = 1.0, 0.0
    for o in range(octaves):
        cell = max(cell_px / 2**o, 1.0)
        gh, gw = int(np.ceil(height / cell)) + 2, int(np.ceil(width / cell)) + 2
        lattice = rng.random((gh, gw), dtype=np.float32)
        big = cv2.resize(
            lattice, (int(round(gw * cell)), int(round(gh * cell))), interpolation=cv2.INTER_CUBIC
        )
        oy, ox = (
            int(rng.integers(0, max(1, big.shape[0] - height))),
            int(rng.integers(0, max(1, big.shape[1] - width))),
        )
        total += amp * big[oy : oy + height, ox : ox + width]
        norm += amp
        amp *= 0.5
    return np.clip(total / norm, 0.0, 1.0)
