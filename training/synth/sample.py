"""The ground-truth records the data engine produces (frozen dataclasses with shapes and units).

Image frames: pixel centres at integer coordinates (OpenCV), x right, y down.
Camera frame: x right, y down, z forward, metres. Sides are the person's own hands.
"""

from __future__ import annotations

import dataclasses
import enum

import numpy as np

from hdr_live.joints import NUM_JOINTS, Side
from hdr_live.types import HandMasks
from training.synth.camera import Camera


class SampleSource(enum.Enum):
    """How a sample was made."""

    RENDER = "render"  # AIH_Render-like: both hands ray cast together
    SYN = "syn"  # AIH_Syn-like: a rendered single hand pasted over another
    REAL_PASTE = "real_paste"  # a hand cut from the user's own footage pasted over another frame


def _check(arr: np.ndarray, name: str, shape: tuple, dtype: type) -> None:
    if not isinstance(arr, np.ndarray) or arr.dtype != dtype or arr.shape != shape:
        got = (type(arr).__name__, getattr(arr, "dtype", None), getattr(arr, "shape", None))
        raise ValueError(f"{name} must be {np.dtype(dtype)} {shape}, got {got}")


@dataclasses.dataclass(frozen=True)
class HandTruth:
    """Ground truth of one hand in one sample.

    Attributes:
        amodal: (S, S) bool, the whole hand (incl. forearm) including parts hidden by the other hand.
        visible: (S, S) bool, the part of this hand that is seen; visible ⊆ amodal.
        target: (S, S, 3) uint8 RGB, I_o* of HDR paper §3.3: the image with the other hand
            removed (background restored) and this hand's hidden part revealed. Equal to the
            input image outside M_D ∪ M_R.
        joints_px: (21, 2) float64 joint pixels (may lie outside the image).
        joints_cam_m: (21, 3) float64 joints in the camera frame, metres.
        target_exact: False when the target is an approximation (real footage: inpainted).
        joints_3d_exact: False when 3D joints are approximate (2D copy-paste moved the hand).
    """

    amodal: np.ndarray
    visible: np.ndarray
    target: np.ndarray
    joints_px: np.ndarray
    joints_cam_m: np.ndarray
    target_exact: bool = True
    joints_3d_exact: bool = True

    def __post_init__(self) -> None:
        size = self.amodal.shape
        _check(self.amodal, "amodal", size, np.bool_)
        _check(self.visible, "visible", size, np.bool_)
        _check(self.target, "target", size + (3,), np.uint8)
        _check(self.joints_px, "joints_px", (NUM_JOINTS, 2), np.float64)
        _check(self.joints_cam_m, "joints_cam_m", (NUM_JOINTS, 3), np.float64)


@dataclasses.dataclass(frozen=True)
class SynthSample:
    """One training sample for HASM/HDRM (and SHPE).

    Attributes:
        image: (S, S, 3) uint8 RGB input image I_s.
        camera: pinhole intrinsics of ``image``.
        right, left: per-hand :class:`HandTruth`.
        source: how it was made.
        seed, index: the dataset seed and sample index that reproduce it.
    """

    image: np.ndarray
    camera: Camera
    right: HandTruth
    left: HandTruth
    source: SampleSource
    seed: int
    index: int

    def __post_init__(self) -> None:
        _check(self.image, "image", self.right.amodal.shape + (3,), np.uint8)
        if self.left.amodal.shape != self.right.amodal.shape:
            raise ValueError("left and right truths differ in size")

    def hand(self, side: Side) -> HandTruth:
        """The truth of ``side``."""
        return self.left if side is Side.LEFT else self.right

    @property
    def masks(self) -> HandMasks:
        """The four HASM masks as :class:`hdr_live.types.HandMasks`."""
        return HandMasks(self.right.amodal, self.right.visible, self.left.amodal, self.left.visible)

    def m_d(self, side: Side) -> np.ndarray:
        """De-occlusion region M_D = M_ta·(1−M_tv) of target hand ``side`` (HDR eq. 2), (S, S) bool."""
        t = self.hand(side)
        return t.amodal & ~t.visible

    def m_r(self, side: Side) -> np.ndarray:
        """Removal region M_R = (1−M_ta)·M_ov (HDR eq. 2): the other hand outside the target, (S, S) bool."""
        return ~self.hand(side).amodal & self.hand(side.other).visible
