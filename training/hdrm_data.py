"""HDRM training examples from synthetic samples (HDR paper §3.3, eq. 2–3, §5.1).

One example is one (sample, side): the crop is built by the inference code itself
(:func:`hdr_live.stages.hdrm.masks.build_crop_inputs`: square, centred on the target's amodal box,
mirrored for a left hand), so training and inference crops agree. The target I_o* (the image
with the other hand removed and this hand's hidden part revealed) is cropped with the same
affine, as are the ground-truth M_D and M_R (for metrics).

Two mask sources, following the paper's two phases (§5.1: "first train HDRM with ground-truth
masks, then fine-tune it with segmentation masks"):

- :class:`GroundTruthMasks`: the sample's four masks;
- :class:`DegradedMasks`: the masks dilated/eroded and shifted at random, a stand-in for HASM's
  predictions (no HASM run is needed to make a batch).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Protocol, Sequence

import cv2
import numpy as np
import torch

from hdr_live.geometry import warp_crop
from hdr_live.joints import Side
from hdr_live.models.hdrnet import make_network_input
from hdr_live.stages.hasm.learned import predict_masks
from hdr_live.stages.hdrm.masks import CropInputs, CropOptions, build_crop_inputs
from hdr_live.types import Frame, HandMasks
from training.hasm_data import PriorNoise, noisy_prior
from training.synth.sample import SynthSample


class MaskSource(Protocol):
    """The four masks HDRM is given for a sample (ground truth or a stand-in for HASM's)."""

    def masks(self, sample: SynthSample, rng: np.random.Generator) -> HandMasks: ...


@dataclasses.dataclass(frozen=True)
class GroundTruthMasks:
    """The sample's own masks (phase 1)."""

    def masks(self, sample: SynthSample, rng: np.random.Generator) -> HandMasks:
        return sample.masks


@dataclasses.dataclass(frozen=True)
class MaskNoise:
    """How :class:`DegradedMasks` perturbs each mask (frame pixels of the sample image).

    Attributes:
        max_morph_px: each mask is dilated or eroded (50/50) by a radius uniform in
            {0, …, max_morph_px}.
        max_shift_px: both masks of a hand are shifted by a uniform offset in ±max_shift_px.
        blob_prob: per mask, probability of adding or cutting one ellipse at its boundary.
        blob_frac: that ellipse's radius as a fraction of the mask box's longer side.
    """

    max_morph_px: int = 3
    max_shift_px: float = 2.0
    blob_prob: float = 0.3
    blob_frac: float = 0.12


@dataclasses.dataclass(frozen=True)
class DegradedMasks:
    """Ground-truth masks with HASM-like errors (phase 2); visible ⊆ amodal is kept and a
    pixel visible for both hands goes to the hand that is truly visible there."""

    noise: MaskNoise = MaskNoise()

    def masks(self, sample: SynthSample, rng: np.random.Generator) -> HandMasks:
        out = {}
        for side in (Side.RIGHT, Side.LEFT):
            hand = sample.hand(side)
            shift = rng.uniform(-self.noise.max_shift_px, self.noise.max_shift_px, 2)
            amodal = self._perturb(hand.amodal, shift, rng)
            visible = self._perturb(hand.visible, shift, rng) & amodal
            out[side] = (amodal, visible)
        rv, lv = out[Side.RIGHT][1], out[Side.LEFT][1]
        both = rv & lv
        rv[both] = sample.right.visible[both]
        lv[both] = ~rv[both]
        return HandMasks(out[Side.RIGHT][0], rv, out[Side.LEFT][0], lv)

    def _perturb(self, mask: np.ndarray, shift: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        u8 = mask.astype(np.uint8)
        if not u8.any():
            return mask.copy()
        r = int(rng.integers(0, self.noise.max_morph_px + 1))
        if r:
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
            u8 = cv2.dilate(u8, kernel) if rng.random() < 0.5 else cv2.erode(u8, kernel)
        if rng.random() < self.noise.blob_prob and u8.any():
            u8 = self._blob(u8, rng)
        m = np.float32([[1, 0, shift[0]], [0, 1, shift[1]]])
        h, w = u8.shape
        return cv2.warpAffine(u8, m, (w, h), flags=cv2.INTER_NEAREST).astype(bool)

    def _blob(self, u8: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        ys, xs = np.nonzero(u8 - cv2.erode(u8, np.ones((3, 3), np.uint8)))
        if ys.size == 0:
            return u8
        k = int(rng.integers(0, ys.size))
        side = max(np.ptp(np.nonzero(u8)[0]), np.ptp(np.nonzero(u8)[1])) + 1
        radius = max(1, int(round(self.noise.blob_frac * side * rng.uniform(0.5, 1.0))))
        out = u8.copy()
        cv2.circle(out, (int(xs[k]), int(ys[k])), radius, int(rng.random() < 0.5), -1)
        return out


@dataclasses.dataclass(frozen=True)
class HdrmCrop:
    """One hand's HDRM crop with its ground truth (all S×S, crop pixels, mirrored for left).

    Attributes:
        inputs: what the restorer sees (built from the mask source's masks).
        target: (S, S, 3) uint8 I_o* cropped with ``inputs.crop_to_frame``.
        true_m_d, true_m_r: (S, S) bool ground-truth eq. 2 regions cropped the same way.
    """

    inputs: CropInputs
    target: np.ndarray
    true_m_d: np.ndarray
    true_m_r: np.ndarray


def hdrm_crop(sample: SynthSample, side: Side, masks: HandMasks,
              options: CropOptions) -> HdrmCrop | None:
    """The crop of ``side`` as HDRM builds it from ``masks``; None when its amodal mask is empty."""
    frame = Frame(sample.image, sample.index, 0.0)
    inputs = build_crop_inputs(frame, masks, side, False, options)
    if inputs is None:
        return None
    s, affine = options.size_px, inputs.crop_to_frame
    return HdrmCrop(
        inputs=inputs,
        target=warp_crop(sample.hand(side).target, affine, s),
        true_m_d=warp_crop(sample.m_d(side), affine, s, nearest=True),
        true_m_r=warp_crop(sample.m_r(side), affine, s, nearest=True),
    )


@dataclasses.dataclass(frozen=True)
class HdrmBatch:
    """A training batch (float32 tensors, N = network side).

    Attributes:
        x: (B, 8, N, N) network input [I_D, M_rv, I_R, M_bv] (eq. 3), images in [0, 1].
        valid: (B, 2, N, N) [1 − M_D, 1 − M_R] of the masks given to the network.
        target: (B, 3, N, N) I_o* in [0, 1].
        m_d, m_r: (B, 1, N, N) {0, 1} the given hole regions (loss regions).
        disc_masks: (B, 2, N, N) [M_tv, M_bv], the discriminator's condition.
    """

    x: torch.Tensor
    valid: torch.Tensor
    target: torch.Tensor
    m_d: torch.Tensor
    m_r: torch.Tensor
    disc_masks: torch.Tensor


def example_arrays(crop: HdrmCrop) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x (8, N, N), valid (2, N, N), target (3, N, N), disc_masks (2, N, N)) float32 of a crop
    built at the network side (eq. 2–3; no resizing)."""
    ci = crop.inputs
    x, valid = make_network_input(ci.image_rgb, ci.m_d, ci.m_r, ci.target_visible, ci.m_bv)
    target = crop.target.astype(np.float32).transpose(2, 0, 1) / 255.0
    disc = np.stack([ci.target_visible, ci.m_bv]).astype(np.float32)
    return x, valid, target, disc


@dataclasses.dataclass(frozen=True)
class ExampleOptions:
    """How training crops are drawn.

    Attributes:
        context_jitter: log-normal std of the crop's context factor (crop side / hand box).
        min_hole_frac: redraw (up to ``tries`` times) a crop whose M_D ∪ M_R covers less than
            this fraction of it (no-occlusion crops teach nothing: the output is composited).
        tries: redraws before accepting any crop.
    """

    context_jitter: float = 0.1
    min_hole_frac: float = 0.002
    tries: int = 4


def draw_crop(samples: Sequence[SynthSample], size_px: int, rng: np.random.Generator,
              source: MaskSource, options: ExampleOptions) -> HdrmCrop:
    """A random (sample, side) crop at ``size_px`` with a jittered context; hands whose
    clean target is only approximate (``target_exact`` False: the pasted hand of a real
    copy-paste sample) are not drawn.

    Raises:
        ValueError: no drawn sample has a hand with a non-empty amodal mask.
    """
    fallback: HdrmCrop | None = None
    for attempt in range(4 * max(options.tries, 1)):
        sample = samples[int(rng.integers(0, len(samples)))]
        side = Side.RIGHT if rng.random() < 0.5 else Side.LEFT
        if not sample.hand(side).target_exact:  # a pasted real hand's target is inpainted
            continue
        context = CropOptions.context * math.exp(rng.normal(0.0, options.context_jitter))
        crop = hdrm_crop(sample, side, source.masks(sample, rng),
                         CropOptions(size_px=size_px, context=context))
        if crop is None:
            continue
        if attempt >= options.tries or (crop.inputs.m_d | crop.inputs.m_r).mean() >= options.min_hole_frac:
            return crop
        fallback = crop
    if fallback is None:
        raise ValueError("no sample with a non-empty amodal mask was drawn")
    return fallback


def make_batch(samples: Sequence[SynthSample], batch: int, size_px: int,
               rng: np.random.Generator, source: MaskSource,
               options: ExampleOptions = ExampleOptions()) -> HdrmBatch:
    """A random :class:`HdrmBatch` of ``batch`` crops."""
    arrays = [example_arrays(draw_crop(samples, size_px, rng, source, options))
              for _ in range(batch)]
    x, valid, target, disc = (torch.from_numpy(np.stack(a)) for a in zip(*arrays))
    return HdrmBatch(x, valid, target, 1.0 - valid[:, :1], 1.0 - valid[:, 1:2], disc)


class HasmPredictedMasks:
    """HASM's own predicted masks (phase 2, as in the paper): the learned HASM network is run on
    the sample image with a tracker-like degraded joint prior (:func:`training.hasm_data.noisy_prior`),
    exactly as the inference stage runs it (:func:`hdr_live.stages.hasm.learned.predict_masks`).

    Args:
        net: HASM network callable ((1, C, S, S) float32 → (1, 4, S, S) logits).
        spec: its :class:`~hdr_live.models.hasm_net.HasmSpec`.
        noise: how the prior is degraded.
    """

    def __init__(self, net, spec, noise: PriorNoise = PriorNoise()) -> None:
        self.net, self.spec, self.noise = net, spec, noise

    def masks(self, sample: SynthSample, rng: np.random.Generator) -> HandMasks:
        frame = Frame(sample.image, sample.index, 0.0)
        return predict_masks(self.net, self.spec, frame, noisy_prior(sample, rng, self.noise))
