"""Training examples for the synthetic SHPE (:mod:`hdr_live.stages.shpe.detnet`).

One hand gives two views, as the estimator's two passes see it: the whole HDRM crop resized
(first pass) and the upright region around its joints (second pass). The crop is the pipeline's
own (:func:`hdr_live.stages.hdrm.masks.build_crop_inputs` on the ground-truth masks: square, around
the amodal box, mirrored for a left hand) cut from the single-hand target I_o* of that hand
(HDR §3.3: the other hand removed, this hand whole). Views are cached; training adds a random
similarity (scale, shift, rotation) to each, which also stands in for the first pass's error
when the second pass's region is placed.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import cv2
import numpy as np

from hdr_live.geometry import (affine_rotation, apply_affine, invert_affine, roi_from_joints,
                               warp_crop)
from hdr_live.joints import Side
from hdr_live.stages.hdrm.masks import CropOptions, build_crop_inputs
from hdr_live.types import Frame
from hdr_live.models.detnet import DetNetSpec
from hdr_live.stages.shpe.detnet import view_affine, view_to_crop_rel, whole_view_affine
from training.shpe_detnet import heatmap_targets
from training.synth.sample import SynthSample


@dataclasses.dataclass(frozen=True)
class HandViews:
    """Cached network views of single hands.

    Attributes:
        images: (N, P, P, 3) uint8 views, P = spec.input_px.
        joints_view_px: (N, 21, 2) float32 joints in view pixels.
        joints_rel_m: (N, 21, 3) float32 wrist-relative metres in the view's axes.
        has_3d: (N,) bool, the 3D joints are exact (rendered, not pasted).
        crop_px_per_view_px: (N,) float32 scale from view to HDRM-crop pixels (for EPE in crop px).
        tight: (N,) bool, a second-pass view (region around the joints), else the whole crop.
    """

    images: np.ndarray
    joints_view_px: np.ndarray
    joints_rel_m: np.ndarray
    has_3d: np.ndarray
    crop_px_per_view_px: np.ndarray
    tight: np.ndarray

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


def views_of(crop: np.ndarray, joints_crop_px: np.ndarray, rel_m: np.ndarray, spec: DetNetSpec):
    """The whole-crop view and the region-around-the-joints view of one crop, each as
    (image, joints_view_px, rel_view_m, crop_px_per_view_px)."""
    out = []
    for to_crop in (whole_view_affine(spec),
                    view_affine(roi_from_joints(joints_crop_px, spec.roi_scale), spec)):
        to_view = invert_affine(to_crop)
        out.append((warp_crop(crop, to_crop, spec.input_px), apply_affine(to_view, joints_crop_px),
                    view_to_crop_rel(rel_m, to_view), math.sqrt(abs(np.linalg.det(to_crop[:, :2])))))
    return out


def build_hand_views(samples: Sequence[SynthSample], spec: DetNetSpec) -> HandViews:
    """Both views of both hands' targets of every sample (hands without a mask or with unknown
    joints are skipped)."""
    rows = []
    for sample in samples:
        for side in Side:
            hand = sample.hand(side)
            if not np.isfinite(hand.joints_px).all():
                continue
            cut = crop_frame_and_joints(sample, side, hand.target, spec)
            if cut is None:
                continue
            exact = bool(hand.joints_3d_exact and np.isfinite(hand.joints_cam_m).all())
            for k, view in enumerate(views_of(*cut, spec)):
                rows.append((*view, exact, k == 1))
    images, joints, rels, scales, has_3d, tight = zip(*rows)
    return HandViews(np.stack(images), np.asarray(joints, np.float32),
                     np.nan_to_num(np.asarray(rels, np.float32)), np.asarray(has_3d, bool),
                     np.asarray(scales, np.float32), np.asarray(tight, bool))


@dataclasses.dataclass(frozen=True)
class Jitter:
    """Random similarity applied to a cached view (about its centre).

    Attributes:
        scale: zoom factor range; shift_frac: shift as a fraction of the side; rot_deg: rotation.
    """

    scale: tuple[float, float] = (0.8, 1.25)
    shift_frac: float = 0.1
    rot_deg: float = 25.0


def jittered(image: np.ndarray, joints_px: np.ndarray, rel_m: np.ndarray,
             rng: np.random.Generator, jitter: Jitter) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A view, its 2D joints (view px) and 3D joints moved by one random similarity; the 3D x/y
    axes turn with the image (z unchanged)."""
    p = image.shape[0]
    c = (p - 1) / 2.0
    m = cv2.getRotationMatrix2D((c, c), rng.uniform(-jitter.rot_deg, jitter.rot_deg),
                                rng.uniform(*jitter.scale))
    m[:, 2] += rng.uniform(-jitter.shift_frac, jitter.shift_frac, 2) * p
    out = cv2.warpAffine(image, m, (p, p), flags=cv2.INTER_LINEAR, borderValue=0)
    rel = np.array(rel_m, dtype=np.float64)
    rel[:, :2] = rel[:, :2] @ affine_rotation(m).T
    return out, apply_affine(m, joints_px), rel


def make_batch(views: HandViews, idx: np.ndarray, spec: DetNetSpec,
               rng: np.random.Generator | None, jitter: Jitter = Jitter()):
    """Arrays (x (B, 3, P, P) float32, heat (B, 21, M, M) float32 Gaussians, rel (B, 21, 3)
    float32 divided by ``loc_scale_m``, has_3d (B,) float32, joints (B, 21, 2) float64 view px)
    for ``idx``; ``rng`` None = no jitter (evaluation)."""
    xs, heats, rels, joints = [], [], [], []
    mean, std = np.float32(spec.rgb_mean), np.float32(spec.rgb_std)
    for i in idx:
        img = views.images[i]
        j2 = views.joints_view_px[i].astype(np.float64)
        j3 = views.joints_rel_m[i].astype(np.float64)
        if rng is not None:
            img, j2, j3 = jittered(img, j2, j3, rng, jitter)
        xs.append(((img.astype(np.float32) / 255.0 - mean) / std).transpose(2, 0, 1))
        heats.append(heatmap_targets(j2, spec))
        rels.append(j3 / spec.loc_scale_m)
        joints.append(j2)
    return (np.ascontiguousarray(np.stack(xs)), np.stack(heats).astype(np.float32),
            np.asarray(rels, np.float32), views.has_3d[idx].astype(np.float32), np.stack(joints))
