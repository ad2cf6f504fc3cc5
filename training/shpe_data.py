"""Training examples for the synthetic SHPE (:mod:`training.shpe_detnet`).

One example is one (sample, side): the single-hand target I_o* of that hand (HDR §3.3: the other
hand removed, this hand whole) cut with the pipeline's own HDRM crop
(:func:`hdr_live.stages.hdrm.build_crop_inputs` on the ground-truth masks: square, around the
amodal box, mirrored for a left hand), so the estimator sees the framing it gets at inference.
Crops are cached at the network's input size; training adds a random similarity (scale, shift,
rotation) to each cached crop.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import cv2
import numpy as np

from hdr_live.geometry import apply_affine, invert_affine, warp_crop
from hdr_live.joints import Side
from hdr_live.stages.hdrm import CropOptions, build_crop_inputs
from hdr_live.types import Frame
from training.shpe_detnet import DetNetSpec, heatmap_targets
from training.synth.sample import SynthSample


@dataclasses.dataclass(frozen=True)
class HandCrops:
    """Cached single-hand crops.

    Attributes:
        images: (N, P, P, 3) uint8, P = spec.input_px, the crop resized.
        joints_crop_px: (N, 21, 2) float32 joints in 256² HDRM-crop pixels.
        joints_rel_m: (N, 21, 3) float32 wrist-relative metres in crop axes (x mirrored for a
            mirrored crop).
        has_3d: (N,) bool, the 3D joints are exact (rendered, not pasted).
    """

    images: np.ndarray
    joints_crop_px: np.ndarray
    joints_rel_m: np.ndarray
    has_3d: np.ndarray

    def __len__(self) -> int:
        return len(self.images)


def crop_frame_and_joints(sample: SynthSample, side: Side, image: np.ndarray,
                          spec: DetNetSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``image`` (the sample's input or a target, (S, S, 3) uint8) cut as the pipeline cuts
    ``side``'s HDRM crop from ground-truth masks.

    Returns:
        (crop (crop_px, crop_px, 3) uint8, joints (21, 2) crop px, rel (21, 3) metres in crop
        axes), or None when the hand has no amodal mask.
    """
    inputs = build_crop_inputs(Frame(sample.image, 0, 0.0), sample.masks, side, False,
                               CropOptions(size_px=spec.crop_px))
    if inputs is None:
        return None
    crop = warp_crop(image, inputs.crop_to_frame, spec.crop_px)
    hand = sample.hand(side)
    joints = apply_affine(invert_affine(inputs.crop_to_frame), hand.joints_px)
    rel = hand.joints_cam_m - hand.joints_cam_m[0]
    if inputs.mirrored:
        rel = rel * np.array([-1.0, 1.0, 1.0])
    return crop, joints, rel


def build_hand_crops(samples: Sequence[SynthSample], spec: DetNetSpec) -> HandCrops:
    """Both hands' target crops of every sample (hands without a mask or with unknown joints
    are skipped)."""
    images, joints, rels, has_3d = [], [], [], []
    for sample in samples:
        for side in Side:
            hand = sample.hand(side)
            if not np.isfinite(hand.joints_px).all():
                continue
            cut = crop_frame_and_joints(sample, side, hand.target, spec)
            if cut is None:
                continue
            images.append(cv2.resize(cut[0], (spec.input_px,) * 2, interpolation=cv2.INTER_AREA))
            joints.append(cut[1])
            rels.append(cut[2])
            has_3d.append(hand.joints_3d_exact and np.isfinite(hand.joints_cam_m).all())
    return HandCrops(np.stack(images), np.asarray(joints, np.float32),
                     np.nan_to_num(np.asarray(rels, np.float32)), np.asarray(has_3d, bool))


@dataclasses.dataclass(frozen=True)
class Jitter:
    """Random similarity applied to a cached crop (about its centre).

    Attributes:
        scale: zoom factor range; shift_frac: shift as a fraction of the side; rot_deg: rotation.
    """

    scale: tuple[float, float] = (0.85, 1.2)
    shift_frac: float = 0.08
    rot_deg: float = 20.0


def jittered(image: np.ndarray, joints_crop_px: np.ndarray, rel_m: np.ndarray, spec: DetNetSpec,
             rng: np.random.Generator, jitter: Jitter) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A cached crop, its 2D joints (256² crop px) and 3D joints moved by one random similarity;
    the 3D x/y axes turn with the image (z unchanged)."""
    p = spec.input_px
    angle = math.radians(rng.uniform(-jitter.rot_deg, jitter.rot_deg))
    scale = rng.uniform(*jitter.scale)
    shift = rng.uniform(-jitter.shift_frac, jitter.shift_frac, 2) * p
    c = (p - 1) / 2.0
    cos, sin = math.cos(angle) * scale, math.sin(angle) * scale
    m = np.array([[cos, -sin, c - cos * c + sin * c + shift[0]],
                  [sin, cos, c - sin * c - cos * c + shift[1]]])
    out = cv2.warpAffine(image, m, (p, p), flags=cv2.INTER_LINEAR, borderValue=0)
    k = spec.crop_px / p
    in_small = (joints_crop_px + 0.5) / k - 0.5
    moved = apply_affine(m, in_small)
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    rel = rel_m.copy()
    rel[:, :2] = rel[:, :2] @ rot.T
    return out, (moved + 0.5) * k - 0.5, rel


def make_batch(crops: HandCrops, idx: np.ndarray, spec: DetNetSpec,
               rng: np.random.Generator | None, jitter: Jitter = Jitter()):
    """Arrays (x (B, 3, P, P) float32, heat (B, 21, M, M) float32, rel (B, 21, 3) float32 scaled
    by ``loc_scale_m``, has_3d (B,) float32, joints (B, 21, 2) float64 crop px) for ``idx``;
    ``rng`` None = no jitter (evaluation)."""
    xs, heats, rels, joints = [], [], [], []
    mean, std = np.float32(spec.rgb_mean), np.float32(spec.rgb_std)
    for i in idx:
        img, j2, j3 = crops.images[i], crops.joints_crop_px[i].astype(np.float64), \
            crops.joints_rel_m[i].astype(np.float64)
        if rng is not None:
            img, j2, j3 = jittered(img, j2, j3, spec, rng, jitter)
        xs.append(((img.astype(np.float32) / 255.0 - mean) / std).transpose(2, 0, 1))
        heats.append(heatmap_targets(j2, spec))
        rels.append(j3 / spec.loc_scale_m)
        joints.append(j2)
    return (np.ascontiguousarray(np.stack(xs)), np.stack(heats).astype(np.float32),
            np.asarray(rels, np.float32), crops.has_3d[idx].astype(np.float32), np.stack(joints))
