"""Backgrounds: procedural textures, a procedural room with a clothed torso, and photos that ship
inside installed packages (scikit-image / matplotlib sample data) when available.

All functions return (H, W, 3) float32 sRGB in [0, 1].
"""

from __future__ import annotations

import functools
import pathlib

import cv2
import numpy as np
from PIL import Image

from training.synth.noise import fractal_noise_2d


def _photo_paths() -> tuple[pathlib.Path, ...]:
    paths: list[pathlib.Path] = []
    try:
        import skimage.data

        root = pathlib.Path(skimage.data.__file__).parent
        names = (
            "astronaut.png",
            "brick.png",
            "coffee.png",
            "chelsea.png",
            "grass.png",
            "gravel.png",
            "rocket.jpg",
            "motorcycle_left.png",
            "hubble_deep_field.jpg",
            "color.png",
        )
        paths += [root / n for n in names if (root / n).exists()]
    except ImportError:
        pass
    try:
        import matplotlib

        mpl = pathlib.Path(matplotlib.get_data_path()) / "sample_data"
        paths += [p for p in (mpl / "grace_hopper.jpg", mpl / "Minduka_Present_Blue_Pack.png") if p.exists()]
    except ImportError:
        pass
    return tuple(paths)


@functools.lru_cache(maxsize=1)
def packaged_photos() -> tuple[np.ndarray, ...]:
    """Photos found in installed packages, each (h, w, 3) uint8 RGB; empty if none are installed."""
    out = []
    for path in _photo_paths():
        with Image.open(path) as im:
            img = np.asarray(im.convert("RGB"))
        if min(img.shape[:2]) >= 128:
            out.append(img)
    return tuple(out)


def photo_crop(height: int, width: int, rng: np.random.Generator) -> np.ndarray | None:
    """A random rotated/scaled/flipped crop of a packaged photo, or None if there are none."""
    photos = packaged_photos()
    if not photos:
        return None
    img = photos[int(rng.integers(len(photos)))]
    scale = rng.uniform(0.6, 2.0) * max(height / img.shape[0], width / img.shape[1])
    m = cv2.getRotationMatrix2D((img.shape[1] / 2, img.shape[0] / 2), rng.uniform(-30, 30), scale)
    m[:, 2] += np.array([width / 2 - img.shape[1] / 2, height / 2 - img.shape[0] / 2]) + rng.normal(
        0, 0.2, 2
    ) * [width, height]
    out = cv2.warpAffine(img, m, (width, height), borderMode=cv2.BORDER_REFLECT)
    if rng.random() < 0.5:
        out = out[:, ::-1]
    return np.ascontiguousarray(out).astype(np.float32) / 255.0


def procedural_texture(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A random procedural texture: noise blends, stripes, checks, wood-like rings or gradients."""
    muted = rng.uniform(0.3, 1.0)  # real scenes are rarely saturated: pull towards grey
    c1, c2 = (rng.uniform(0, 1, (2, 3)) * muted + (1 - muted) * rng.uniform(0.2, 0.7)) * rng.uniform(
        0.35, 1.0
    )
    kind = int(rng.integers(5))
    seed = int(rng.integers(1 << 30))
    if kind == 0:
        t = fractal_noise_2d(height, width, rng.uniform(8, 80), 4, seed)
    elif kind == 1:
        yy, xx = np.mgrid[0:height, 0:width]
        ang = rng.uniform(0, np.pi)
        t = 0.5 + 0.5 * np.sin((xx * np.cos(ang) + yy * np.sin(ang)) * 2 * np.pi / rng.uniform(6, 60))
        t = t.astype(np.float32)
    elif kind == 2:
        yy, xx = np.mgrid[0:height, 0:width]
        cell = rng.uniform(8, 64)
        t = (((xx // cell) + (yy // cell)) % 2).astype(np.float32)
    elif kind == 3:
        n = fractal_noise_2d(height, width, 40, 3, seed)
        yy, xx = np.mgrid[0:height, 0:width]
        t = (0.5 + 0.5 * np.sin((yy * rng.uniform(0.05, 0.3) + 8 * n) * 2)).astype(np.float32)
    else:
        yy, xx = np.mgrid[0:height, 0:width]
        t = ((xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1)) / max(height, width) + 1) / 2
        t = np.clip(t, 0, 1).astype(np.float32)
    grain = fractal_noise_2d(height, width, 3, 2, seed + 1) - 0.5
    img = c1 * (1 - t[..., None]) + c2 * t[..., None] + 0.08 * grain[..., None]
    return np.clip(img, 0, 1).astype(np.float32)


def room_with_torso(height: int, width: int, rng: np.random.Generator, shirt_srgb: np.ndarray) -> np.ndarray:
    """A plain wall with a soft light falloff and a clothed torso seen from the front.

    Args:
        height, width: image size in pixels.
        rng: numpy generator (consumed).
        shirt_srgb: (3,) shirt colour, sRGB in [0, 1].

    Returns:
        (height, width, 3) float32 sRGB.
    """
    wall = rng.uniform(0.55, 0.8) * np.array([1.0, rng.uniform(0.93, 1.0), rng.uniform(0.82, 0.95)])
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    light = 1.0 - 0.35 * ((xx / width - rng.uniform(0.2, 0.8)) ** 2 + (yy / height - 0.2) ** 2)
    grain = fractal_noise_2d(height, width, 30, 3, int(rng.integers(1 << 30))) - 0.5
    img = wall * light[..., None] * (1 + 0.06 * grain[..., None])
    # torso: shoulders from about 35% height, widening to the bottom edge
    cx = width * rng.uniform(0.47, 0.53)
    top = height * rng.uniform(0.3, 0.4)
    half = width * (0.2 + 0.22 * np.clip((yy - top) / (0.2 * height), 0, 1) ** 0.5)
    torso = ((np.abs(xx - cx) < half) & (yy > top)).astype(np.float32)
    torso = cv2.GaussianBlur(torso, (0, 0), 2.0)
    folds = fractal_noise_2d(height, width, 25, 3, int(rng.integers(1 << 30)))
    shade = (1 - 0.45 * ((xx - cx) / (0.45 * width)) ** 2) * (0.8 + 0.4 * folds)
    shirt = shirt_srgb * shade[..., None]
    img = img * (1 - torso[..., None]) + shirt * torso[..., None]
    return np.clip(img, 0, 1).astype(np.float32)
