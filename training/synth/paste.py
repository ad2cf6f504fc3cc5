"""Copy-paste of a cut-out hand over another hand's image (AIH_Syn, HDR paper §4), for photos:
AIH_Syn crops or frames of the user's own footage (:mod:`training.synth.real_cutout`).

The base image's own hand stays exact in its target. The pasted hand's target needs the base
hand removed, which a photo cannot give: it is approximated by OpenCV inpainting (Telea) and
flagged ``target_exact=False``. Unknown joints are NaN.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from hdr_live.joints import NUM_JOINTS, Side, mirror_joints_3d, mirror_joints_px
from training.synth.assemble import masks_from_coverage
from training.synth.camera import Camera
from training.synth.sample import HandTruth, SampleSource, SynthSample


@dataclasses.dataclass(frozen=True)
class HandCutout:
    """A photo with one hand and its mask.

    Attributes:
        image: (H, W, 3) uint8 RGB. mask: (H, W) bool, the hand (amodal = visible: it is alone).
        side: the person's hand. joints_px: (21, 2) float64 pixels (NaN if unknown).
        joints_cam_m: (21, 3) float64 camera metres (NaN if unknown).
    """

    image: np.ndarray
    mask: np.ndarray
    side: Side
    joints_px: np.ndarray
    joints_cam_m: np.ndarray

    def mirrored(self) -> "HandCutout":
        """The horizontal mirror image: the same hand becomes the other side's."""
        w = self.image.shape[1]
        return HandCutout(
            np.ascontiguousarray(self.image[:, ::-1]),
            np.ascontiguousarray(self.mask[:, ::-1]),
            self.side.other,
            mirror_joints_px(self.joints_px, w),
            mirror_joints_3d(self.joints_cam_m),
        )


def unknown_joints() -> tuple[np.ndarray, np.ndarray]:
    """NaN (21, 2) pixel and (21, 3) metric joints for hands without annotation."""
    return np.full((NUM_JOINTS, 2), np.nan), np.full((NUM_JOINTS, 3), np.nan)


def centroid(mask: np.ndarray) -> np.ndarray:
    """(2,) float64 (x, y) mean of a mask's pixels (image centre if empty)."""
    ys, xs = np.nonzero(mask)
    return np.array([xs.mean(), ys.mean()]) if len(xs) else np.array([mask.shape[1] / 2, mask.shape[0] / 2])


def random_similarity(src: np.ndarray, dst: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A (2, 3) float64 similarity taking ``src`` near ``dst`` (Gaussian offset, σ = 0.16 ·
    ``size`` per axis), with scale uniform in [0.75, 1.3] and rotation uniform in [-50, 50]
    degrees about ``src``."""
    target = dst + rng.normal(0, 0.16 * size, 2)
    m = cv2.getRotationMatrix2D(
        (float(src[0]), float(src[1])), float(rng.uniform(-50, 50)), float(rng.uniform(0.75, 1.3))
    )
    m[:, 2] += target - src
    return m


def square_crop(cut: HandCutout, size: int, margin: float = 1.7) -> HandCutout:
    """Crop a square around the hand mask (``margin`` x its larger side) and resize to ``size``.

    Raises:
        ValueError: the mask is empty.
    """
    ys, xs = np.nonzero(cut.mask)
    if len(xs) == 0:
        raise ValueError("empty hand mask")
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    side = max(xs.max() - xs.min(), ys.max() - ys.min(), 8) * margin
    s = size / side
    m = np.array([[s, 0, size / 2 - s * cx], [0, s, size / 2 - s * cy]])
    img = cv2.warpAffine(cut.image, m, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT)
    mask = cv2.warpAffine(cut.mask.astype(np.float32), m, (size, size), flags=cv2.INTER_LINEAR) >= 0.5
    return HandCutout(img, mask, cut.side, cut.joints_px @ m[:, :2].T + m[:, 2], cut.joints_cam_m)


def paste_hand(
    base: HandCutout,
    donor: HandCutout,
    size: int,
    rng: np.random.Generator,
    source: SampleSource,
    seed: int,
    index: int,
) -> SynthSample:
    """Paste ``donor`` (mirrored to the other side if needed) over ``base``, both cropped to ``size``.

    Args:
        base, donor: cut-outs (any sides). size: output side in pixels. rng: generator (consumed).
        source: recorded source (``SYN`` for AIH_Syn crops, ``REAL_PASTE`` for footage).
        seed, index: recorded provenance.

    Returns:
        The :class:`SynthSample`; the camera is a nominal 60° pinhole (the photos' own is unknown).
    """
    if donor.side is base.side:
        donor = donor.mirrored()
    b, d = square_crop(base, size), square_crop(donor, size)
    m = random_similarity(centroid(d.mask), centroid(b.mask), size, rng)
    alpha = cv2.warpAffine(cv2.GaussianBlur(d.mask.astype(np.float32), (0, 0), 0.7), m, (size, size))
    gains = np.exp(rng.normal(0, [0.06, 0.05, 0.06]) + rng.normal(0, 0.1))
    fg = np.clip(cv2.warpAffine(d.image.astype(np.float32), m, (size, size)) * gains, 0, 255)
    a3 = alpha[..., None]
    image = (b.image * (1 - a3) + fg * a3 + 0.5).astype(np.uint8)
    grown = cv2.dilate(b.mask.astype(np.uint8), np.ones((7, 7), np.uint8))
    cleared = cv2.inpaint(b.image, grown, 5, cv2.INPAINT_TELEA)
    donor_target = (cleared * (1 - a3) + fg * a3 + 0.5).astype(np.uint8)
    cov_b = cv2.dilate(b.mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(
        np.float32
    )  # take the soft edge too
    (amodal_b, amodal_d), (vis_b, vis_d) = masks_from_coverage(
        (cov_b, alpha), (cov_b * (1 - alpha), alpha), 0.5
    )
    truths = {}
    for side_cut, target, amodal, vis, exact in (
        (b, b.image, amodal_b, vis_b, True),
        (d, donor_target, amodal_d, vis_d, False),
    ):
        moved_px = side_cut.joints_px if side_cut is b else side_cut.joints_px @ m[:, :2].T + m[:, 2]
        truths[side_cut.side] = (target, amodal, vis, moved_px, side_cut.joints_cam_m, exact)
    out = {}
    for side in (Side.RIGHT, Side.LEFT):
        target, amodal, vis, px, cam, exact = truths[side]
        other_vis = truths[side.other][2]
        change = (amodal & ~vis) | (~amodal & other_vis)
        out[side] = HandTruth(
            amodal,
            vis,
            np.where(change[..., None], target, image).astype(np.uint8),
            px.astype(np.float64),
            cam.astype(np.float64),
            exact,
            False,
        )
    return SynthSample(
        image, Camera.from_fov(size, size, 60.0), out[Side.RIGHT], out[Side.LEFT], source, seed, index
    )
