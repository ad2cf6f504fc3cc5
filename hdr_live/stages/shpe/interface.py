"""SHPE's interface: a single-hand pose estimator on a restored HDRM crop (HDR paper §3.4).

Every SHPE implements :class:`Shpe` and returns a :class:`CropPose` in the crop's own pixels and
axes; :meth:`CropPose.to_frame` maps it back to the frame (un-mirroring a left hand's crop).
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

import numpy as np

from hdr_live.geometry import affine_rotation, apply_affine, invert_affine
from hdr_live.types import HandCrop


@dataclasses.dataclass(frozen=True)
class CropPose:
    """SHPE output in the coordinates of the HDRM crop it ran on.

    Attributes:
        joints_crop_px: (21, 2) float64 joints in HDRM-crop pixels.
        joints_world_m: (21, 3) float64 metres relative to the wrist, in the HDRM crop's axes
            (x right, y down, z away from the camera).
        presence: hand presence probability in [0, 1].
        right_score: the network's probability that the patch shows a right hand as it appears
            in the patch, not the person's side: a mirrored patch of a right hand scores as a
            left one (figures: docs/benchmarks.md, "SHPE choices").
    """

    joints_crop_px: np.ndarray
    joints_world_m: np.ndarray
    presence: float
    right_score: float = 0.5

    def to_frame(self, crop: HandCrop) -> tuple[np.ndarray, np.ndarray]:
        """Joints in frame pixels (21, 2) and wrist-relative metres in frame camera axes (21, 3).

        A mirrored crop is un-mirrored: its x axis flips, so 3D x flips too.
        """
        joints_px = apply_affine(crop.crop_to_frame, self.joints_crop_px)
        rel = self.joints_world_m.copy()
        rel[:, :2] = rel[:, :2] @ affine_rotation(crop.crop_to_frame).T
        return joints_px, rel


class Shpe(Protocol):
    """A single-hand pose estimator on a restored, right-hand-looking HDRM crop."""

    #: Short human-readable name shown in the CLI and the video overlay.
    name: str

    def estimate(self, crop: HandCrop, prior_crop_px: np.ndarray | None = None) -> CropPose:
        """21 joints of the hand in ``crop``.

        Args:
            crop: the HDRM crop (``crop.rgb`` (S, S, 3) uint8, right-hand-looking).
            prior_crop_px: (21, 2) float64 joint prior in crop pixels (the tracked hand), or
                None; an estimator may use it to place its first region.

        Raises:
            ValueError: the crop is not what the estimator reads (size, dtype).
        """
        ...


def frame_to_crop_points(crop: HandCrop, points_px: np.ndarray) -> np.ndarray:
    """(N, 2) frame pixels → (N, 2) crop pixels of ``crop``."""
    return apply_affine(invert_affine(crop.crop_to_frame), points_px)
