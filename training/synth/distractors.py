"""Background distractors real footage has: face-like and body-like blobs, bare arms.

They are painted into the background layer (behind both hands), so they appear in the input and
in every target alike. Images are float32 sRGB (H, W, 3) in [0, 1].
"""

from __future__ import annotations

import cv2
import numpy as np

from training.synth.skin import MONK_SRGB


def _skin_srgb(rng: np.random.Generator) -> np.ndarray:
    i = rng.uniform(0, 9)
    lo = int(min(np.floor(i), 8))
    c = (1 - (i - lo)) * MONK_SRGB[lo] + (i - lo) * MONK_SRGB[lo + 1]
    return (c / 255.0) * rng.uniform(0.75, 1.05)


def _shaded_ellipse(
    h: int, w: int, centre: np.ndarray, axes: np.ndarray, angle: float
) -> tuple[np.ndarray, np.ndarray]:
    mask = np.zeros((h, w), np.float32)
    cv2.ellipse(
        mask,
        (int(centre[0]), int(centre[1])),
        (int(axes[0]), int(axes[1])),
        angle,
        0,
        360,
        1.0,
        -1,
        cv2.LINE_AA,
    )
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.sqrt(((xx - centre[0]) / max(axes[0], 1)) ** 2 + ((yy - centre[1]) / max(axes[1], 1)) ** 2)
    shade = np.clip(1.05 - 0.45 * r**2, 0.4, 1.1)
    return mask, shade


def add_face(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Paint a blurry face-like blob (skin oval, hair, dark eye/mouth spots)."""
    h, w = img.shape[:2]
    centre = rng.uniform([0, 0], [w, h])
    axes = np.array([rng.uniform(0.15, 0.35), 0.0]) * w
    axes[1] = axes[0] * rng.uniform(1.2, 1.45)
    angle = rng.normal(0, 12)
    mask, shade = _shaded_ellipse(h, w, centre, axes, angle)
    skin = _skin_srgb(rng)
    out = img * (1 - mask[..., None]) + (skin * shade[..., None]) * mask[..., None]
    hair = np.zeros((h, w), np.float32)
    cv2.ellipse(
        hair,
        (int(centre[0]), int(centre[1] - axes[1] * 0.55)),
        (int(axes[0] * 1.05), int(axes[1] * 0.6)),
        angle,
        180,
        360,
        1.0,
        -1,
        cv2.LINE_AA,
    )
    hair_rgb = rng.uniform(0.02, 0.45) * np.array([1.0, 0.8, 0.6])
    out = out * (1 - hair[..., None]) + hair_rgb * hair[..., None]
    spots = np.zeros((h, w), np.float32)
    for dx, dy, sx, sy in ((-0.38, -0.1, 0.14, 0.06), (0.38, -0.1, 0.14, 0.06), (0.0, 0.45, 0.3, 0.06)):
        c = centre + np.array([dx * axes[0], dy * axes[1]])
        cv2.ellipse(
            spots,
            (int(c[0]), int(c[1])),
            (max(1, int(sx * axes[0])), max(1, int(sy * axes[1]))),
            angle,
            0,
            360,
            1.0,
            -1,
        )
    spots = cv2.GaussianBlur(spots, (0, 0), max(1.0, axes[0] * 0.04)) * mask
    out = out * (1 - 0.6 * spots[..., None])
    return np.clip(cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 2.5)), 0, 1).astype(np.float32)


def add_body(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Paint a large clothed-torso-like blob with soft folds."""
    h, w = img.shape[:2]
    centre = rng.uniform([0, 0.3 * h], [w, 1.3 * h])
    axes = np.array([rng.uniform(0.3, 0.7) * w, rng.uniform(0.4, 0.9) * h])
    mask, shade = _shaded_ellipse(h, w, centre, axes, rng.normal(0, 10))
    cloth = rng.uniform(0.05, 0.9, 3)
    folds = 0.85 + 0.3 * np.sin(np.linspace(0, rng.uniform(3, 12), w))[None, :] * rng.uniform(0, 1)
    out = img * (1 - mask[..., None]) + (cloth * (shade * folds)[..., None]) * mask[..., None]
    return np.clip(out, 0, 1).astype(np.float32)


def add_arm(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Paint a bare-arm-like skin capsule (a hard negative for hand segmentation)."""
    h, w = img.shape[:2]
    a, b = rng.uniform([0, 0], [w, h]), rng.uniform([0, 0], [w, h])
    width = int(rng.uniform(0.06, 0.16) * w)
    mask = np.zeros((h, w), np.float32)
    cv2.line(mask, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), 1.0, width, cv2.LINE_AA)
    dist = cv2.distanceTransform((mask > 0.5).astype(np.uint8), cv2.DIST_L2, 3)
    shade = 0.55 + 0.5 * np.clip(dist / max(width / 2, 1), 0, 1) ** 0.5
    out = img * (1 - mask[..., None]) + (_skin_srgb(rng) * shade[..., None]) * mask[..., None]
    return np.clip(cv2.GaussianBlur(out, (0, 0), 1.0), 0, 1).astype(np.float32)


def add_distractors(img: np.ndarray, rng: np.random.Generator, max_count: int = 2) -> np.ndarray:
    """Paint 0..``max_count`` random distractors (face, body or arm) into a background image."""
    out = img
    for _ in range(int(rng.integers(0, max_count + 1))):
        kind = int(rng.integers(3))
        out = (add_face, add_body, add_arm)[kind](out, rng)
    return out
