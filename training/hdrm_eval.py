"""Held-out evaluation of an HDRM restorer: L1, PSNR and SSIM inside M_D and inside M_R.

Each val sample gives two crops (right, left; mirrored like inference) at the pipeline's crop
size (``CropOptions().size_px``); the restorer's output is compared with I_o* cropped the same
way, inside the *ground-truth* M_D and M_R of that crop. Numbers are pooled over all pixels of
all crops (a large hole weighs more than a small one):

- L1: mean |I_o − I_o*| over the region's pixels and the 3 channels, intensities in [0, 1];
- PSNR: 10·log10(1 / MSE) dB over the same pixels (peak 1);
- SSIM: Wang et al. 2004 (Gaussian window σ = 1.5, 11×11, K1 = 0.01, K2 = 0.03, data range 1)
  computed per channel over the whole crop, the map averaged over channels, then over the
  region's pixels (the window sees the region's surroundings, as inpainting papers do).
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Sequence

import cv2
import numpy as np

from hdr_live.joints import Side
from hdr_live.stages.hdrm.masks import CropOptions
from hdr_live.stages.hdrm.stage import Restorer
from training.hdrm_data import HdrmCrop, MaskSource, hdrm_crop
from training.synth.sample import SynthSample


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(H, W) float64 SSIM map of two (H, W, 3) images in [0, 1] (mean over channels).

    Gaussian σ = 1.5 truncated at 11×11, reflective borders (scikit-image's
    ``structural_similarity(gaussian_weights=True, use_sample_covariance=False)`` map).
    """
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    a, b = a.astype(np.float64), b.astype(np.float64)

    def blur(z: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(z, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a ** 2
    var_b = blur(b * b) - mu_b ** 2
    cov = blur(a * b) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return s.mean(axis=2)


@dataclasses.dataclass
class RegionAccumulator:
    """Pooled sums of one region over many crops (mutable while evaluating)."""

    abs_sum: float = 0.0
    sq_sum: float = 0.0
    ssim_sum: float = 0.0
    pixels: int = 0

    def add(self, output: np.ndarray, target: np.ndarray, region: np.ndarray, ssim: np.ndarray) -> None:
        """Add one crop: (S, S, 3) float images in [0, 1], (S, S) bool region, (S, S) SSIM map."""
        n = int(region.sum())
        if n == 0:
            return
        diff = output[region] - target[region]
        self.abs_sum += float(np.abs(diff).sum()) / 3.0
        self.sq_sum += float((diff ** 2).sum()) / 3.0
        self.ssim_sum += float(ssim[region].sum())
        self.pixels += n

    def result(self) -> "RegionMetrics":
        if self.pixels == 0:
            return RegionMetrics(math.nan, math.nan, math.nan, 0)
        mse = self.sq_sum / self.pixels
        psnr = 10.0 * math.log10(1.0 / mse) if mse > 0 else math.inf
        return RegionMetrics(self.abs_sum / self.pixels, psnr, self.ssim_sum / self.pixels, self.pixels)


@dataclasses.dataclass(frozen=True)
class RegionMetrics:
    """Pooled metrics of one region: L1 in [0, 1] units, PSNR dB, SSIM, pixel count."""

    l1: float
    psnr_db: float
    ssim: float
    pixels: int


@dataclasses.dataclass(frozen=True)
class HdrmMetrics:
    """Metrics inside M_D and inside M_R over ``crops`` crops; ``ms_per_crop`` is the median
    wall time of one ``restore`` call (whole restorer: resizing, network, compositing)."""

    m_d: RegionMetrics
    m_r: RegionMetrics
    crops: int
    ms_per_crop: float

    def record(self) -> dict:
        """JSON-ready nested record (floats rounded)."""
        def r(m: RegionMetrics) -> dict:
            return {"l1": round(m.l1, 5), "psnr_db": round(m.psnr_db, 3), "ssim": round(m.ssim, 4),
                    "pixels": m.pixels}
        return {"m_d": r(self.m_d), "m_r": r(self.m_r), "crops": self.crops,
                "ms_per_crop": round(self.ms_per_crop, 2)}


def evaluation_crops(samples: Sequence[SynthSample], source: MaskSource, seed: int = 1234,
                     options: CropOptions = CropOptions()) -> list[HdrmCrop]:
    """Both hands' crops of every sample (fixed mask-noise seed, so runs are comparable)."""
    rng = np.random.default_rng(seed)
    crops = []
    for sample in samples:
        masks = source.masks(sample, rng)
        for side in (Side.RIGHT, Side.LEFT):
            crop = hdrm_crop(sample, side, masks, options)
            if crop is not None:
                crops.append(crop)
    return crops


def evaluate(restorer: Restorer, crops: Sequence[HdrmCrop]) -> HdrmMetrics:
    """Pooled L1 / PSNR / SSIM of ``restorer`` inside the true M_D and M_R of ``crops``."""
    acc_d, acc_r, times = RegionAccumulator(), RegionAccumulator(), []
    for crop in crops:
        if not (crop.true_m_d.any() or crop.true_m_r.any()):
            continue
        t0 = time.perf_counter()
        restored = restorer.restore(crop.inputs)
        times.append(time.perf_counter() - t0)
        out = restored.astype(np.float64) / 255.0
        target = crop.target.astype(np.float64) / 255.0
        ssim = ssim_map(out, target)
        acc_d.add(out, target, crop.true_m_d, ssim)
        acc_r.add(out, target, crop.true_m_r, ssim)
    ms = float(np.median(times) * 1e3) if times else math.nan
    return HdrmMetrics(acc_d.result(), acc_r.result(), len(crops), ms)
