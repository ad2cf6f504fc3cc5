"""Camera-like degradations applied identically to an input image and its targets.

Colour jitter, optional grayscale, defocus or motion blur, sensor noise and JPEG artefacts.
Images are float32 sRGB in [0, 1] in and uint8 RGB out, (H, W, 3).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np


@dataclasses.dataclass(frozen=True)
class Degradation:
    """One draw of degradation parameters.

    Attributes:
        brightness: multiplicative gain. contrast: gain around mid-grey. saturation: gain on
            chroma. hue_deg: hue rotation (degrees). gamma: exponent on [0, 1] values.
        grayscale: convert to luma (replicated to 3 channels).
        blur_sigma_px: Gaussian defocus sigma in pixels (0 = none).
        motion_px: motion-blur length in pixels (0 = none). motion_deg: its direction.
        noise_sigma: sensor-noise standard deviation (fraction of full scale).
        jpeg_quality: JPEG quality 1..100, or 0 for none.
        noise_seed: seed of the noise field (the same noise hits input and targets).
    """

    brightness: float = 1.0
    contrast: float = 1.0
    saturation: float = 1.0
    hue_deg: float = 0.0
    gamma: float = 1.0
    grayscale: bool = False
    blur_sigma_px: float = 0.0
    motion_px: float = 0.0
    motion_deg: float = 0.0
    noise_sigma: float = 0.0
    jpeg_quality: int = 0
    noise_seed: int = 0

    @staticmethod
    def sample(rng: np.random.Generator) -> "Degradation":
        """Random degradations roughly matching consumer webcams and phone video."""
        return Degradation(
            brightness=float(np.exp(rng.normal(0, 0.2))),
            contrast=float(np.exp(rng.normal(0, 0.15))),
            saturation=float(np.exp(rng.normal(0, 0.25))),
            hue_deg=float(rng.normal(0, 5)),
            gamma=float(np.exp(rng.normal(0, 0.15))),
            grayscale=bool(rng.random() < 0.06),
            blur_sigma_px=float(rng.choice([0.0, rng.uniform(0.3, 1.6)], p=[0.4, 0.6])),
            motion_px=float(rng.choice([0.0, rng.uniform(2, 9)], p=[0.8, 0.2])),
            motion_deg=float(rng.uniform(0, 180)),
            noise_sigma=float(rng.uniform(0.0, 0.035)),
            jpeg_quality=int(rng.choice([0, rng.integers(35, 96)], p=[0.4, 0.6])),
            noise_seed=int(rng.integers(1 << 31)),
        )


def _colour(img: np.ndarray, d: Degradation) -> np.ndarray:
    out = np.clip(img * d.brightness, 0, 1)
    out = np.clip((out - 0.5) * d.contrast + 0.5, 0, 1)
    hsv = cv2.cvtColor(out.astype(np.float32), cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + d.hue_deg) % 360.0
    hsv[..., 1] = np.clip(hsv[..., 1] * d.saturation, 0, 1)
    out = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    out = np.power(np.clip(out, 0, 1), d.gamma)
    if d.grayscale:
        out = np.repeat(cv2.cvtColor(out.astype(np.float32), cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
    return out


def _blur(img: np.ndarray, d: Degradation) -> np.ndarray:
    out = img
    if d.blur_sigma_px > 0:
        out = cv2.GaussianBlur(out, (0, 0), d.blur_sigma_px)
    if d.motion_px >= 1:
        n = int(np.ceil(d.motion_px)) | 1
        kernel = np.zeros((n, n), np.float32)
        kernel[n // 2, :] = 1.0
        rot = cv2.getRotationMatrix2D(((n - 1) / 2, (n - 1) / 2), d.motion_deg, 1.0)
        kernel = cv2.warpAffine(kernel, rot, (n, n))
        out = cv2.filter2D(out, -1, kernel / max(kernel.sum(), 1e-6))
    return out


def spread_coverage(coverage: np.ndarray, d: Degradation) -> np.ndarray:
    """Blur a coverage map with the same optics as :func:`apply_degradation` (no colour, no noise).

    Args:
        coverage: (H, W) float32 in [0, 1], the share of each pixel an object covers.
        d: the degradation of the image.

    Returns:
        (H, W) float32 in [0, 1]: the share of each pixel's colour that comes from the object.
    """
    return np.clip(_blur(coverage.astype(np.float32), d), 0.0, 1.0)


def sensor_noise(shape: tuple[int, int, int], d: Degradation) -> np.ndarray:
    """The additive noise field of ``d`` for an image of ``shape`` (H, W, 3), float32."""
    if d.noise_sigma <= 0:
        return np.zeros(shape, np.float32)
    rng = np.random.default_rng(d.noise_seed)
    luma = rng.standard_normal(shape[:2] + (1,), dtype=np.float32) * d.noise_sigma
    chroma = rng.standard_normal(shape, dtype=np.float32) * (d.noise_sigma * 0.5)
    return luma + chroma


def apply_degradation(img: np.ndarray, d: Degradation, noise: np.ndarray | None = None) -> np.ndarray:
    """Degrade one image.

    Args:
        img: (H, W, 3) float32 sRGB in [0, 1].
        d: parameters (deterministic: the same ``d`` and image give the same bytes).
        noise: optional precomputed :func:`sensor_noise` (to share it between images).

    Returns:
        (H, W, 3) uint8 RGB.
    """
    out = _blur(_colour(img.astype(np.float32), d), d)
    out = out + (sensor_noise(out.shape, d) if noise is None else noise)
    u8 = (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)
    if d.jpeg_quality > 0:
        ok, buf = cv2.imencode(
            ".jpg", cv2.cvtColor(u8, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, d.jpeg_quality]
        )
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        u8 = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return u8
