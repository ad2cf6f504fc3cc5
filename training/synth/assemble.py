"""Turn rendered/pasted layers into a finished :class:`SynthSample`: degradations, masks, targets.

Shared by the AIH_Render-like and AIH_Syn-like modes. Hand order everywhere: (right, left).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from training.synth.camera import Camera
from training.synth.degrade import Degradation, apply_degradation, sensor_noise, spread_coverage
from training.synth.sample import HandTruth, SampleSource, SynthSample
from training.synth.skin import linear_to_srgb


@dataclasses.dataclass(frozen=True)
class Layers:
    """Final-resolution inputs of :func:`assemble`.

    Attributes:
        image: (S, S, 3) float32 linear RGB input image.
        targets: two (S, S, 3) float32 linear RGB images I_o* (right, left), each with the other
            hand removed.
        amodal_cov: two (S, S) float32 coverages of each hand alone.
        visible_cov: two (S, S) float32 coverages of each hand where it is in front.
    """

    image: np.ndarray
    targets: tuple[np.ndarray, np.ndarray]
    amodal_cov: tuple[np.ndarray, np.ndarray]
    visible_cov: tuple[np.ndarray, np.ndarray]


@dataclasses.dataclass(frozen=True)
class Joints:
    """Joints of one hand: (21, 2) float64 pixels and (21, 3) float64 camera metres, plus exactness."""

    px: np.ndarray
    cam_m: np.ndarray
    exact_3d: bool = True


def masks_from_coverage(
    amodal_cov: tuple[np.ndarray, np.ndarray], visible_cov: tuple[np.ndarray, np.ndarray], threshold: float
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Binary masks from per-pixel coverage (after the image's blur), for two hands.

    A hand's amodal mask holds the pixels whose colour would be at least ``threshold`` from that
    hand if it were alone; its visible mask the pixels where it contributes at least
    ``threshold`` and more than the other hand. So visible ⊆ amodal and the visible masks are
    disjoint, by construction.

    Args:
        amodal_cov: two (H, W) float32 coverages of each hand cast alone.
        visible_cov: two (H, W) float32 coverages of each hand as the first hit.
        threshold: in (0, 1].

    Returns:
        ``(amodal, visible)``: two lists of two (H, W) bool masks (right, left).
    """
    amodal = [c >= threshold for c in amodal_cov]
    v0, v1 = visible_cov
    visible = [(v0 >= threshold) & (v0 >= v1) & amodal[0], (v1 >= threshold) & (v1 > v0) & amodal[1]]
    return amodal, visible


def assemble(
    layers: Layers,
    joints: tuple[Joints, Joints],
    camera: Camera,
    deg: Degradation,
    mask_threshold: float,
    source: SampleSource,
    seed: int,
    index: int,
    target_exact: tuple[bool, bool] = (True, True),
) -> SynthSample:
    """Degrade the three images alike, derive the masks, and build the sample.

    The final target of each hand equals the degraded input outside M_D ∪ M_R (HDR eq. 2) and
    the degraded I_o* inside it.

    Args:
        layers: final-resolution images and coverages. joints: (right, left).
        camera: intrinsics of the image. deg: degradation applied to all images and coverages.
        mask_threshold: see :func:`masks_from_coverage`.
        source, seed, index: provenance stored in the sample.
        target_exact: per hand, whether its target is exact (False for inpainted ones).

    Returns:
        The :class:`SynthSample`.
    """
    amodal, visible = masks_from_coverage(
        tuple(spread_coverage(c, deg) for c in layers.amodal_cov),  # type: ignore[arg-type]
        tuple(spread_coverage(c, deg) for c in layers.visible_cov),  # type: ignore[arg-type]
        mask_threshold,
    )
    noise = sensor_noise(layers.image.shape, deg)
    srgb = [linear_to_srgb(im).astype(np.float32) for im in (layers.image,) + layers.targets]
    out = [apply_degradation(im, deg, noise) for im in srgb]
    truths = []
    for i in range(2):
        change = (amodal[i] & ~visible[i]) | (~amodal[i] & visible[1 - i])
        target = np.where(change[..., None], out[1 + i], out[0])
        truths.append(
            HandTruth(
                amodal[i],
                visible[i],
                target,
                joints[i].px.astype(np.float64),
                joints[i].cam_m.astype(np.float64),
                target_exact[i],
                joints[i].exact_3d,
            )
        )
    return SynthSample(out[0], camera, truths[0], truths[1], source, seed, index)
