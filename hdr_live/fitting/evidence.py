"""What the test-time fitter sees of one hand in one frame (API shared with the 3D stage).

Frames: *frame pixels* (OpenCV: x right, y down, origin at the top-left pixel centre) and
*camera axes* (x right, y down, z away, metres), see :mod:`hdr_live.types`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.checks import check_array
from hdr_live.joints import NUM_JOINTS


@dataclasses.dataclass(frozen=True)
class Silhouette:
    """A hand mask on some grid and the affine map from that grid to frame pixels.

    Attributes:
        mask: (h, w) bool, True on the hand (HASM's amodal mask of the side), or, with
            ``cover`` False, on the region that hides the hand.
        mask_to_frame: (2, 3) float64 affine, ``frame_px = A[:, :2] @ mask_px + A[:, 2]``;
            its 2×2 part must be invertible.
        cover: the hand fills the mask (both silhouette terms: inside and coverage). False
            for an *occluder* mask (a hidden hand's: what hides it): the hand must lie
            inside it but need not fill it (the inside term only).

    Raises:
        TypeError / ValueError: a wrong dtype or shape, or a singular affine.
    """

    mask: np.ndarray
    mask_to_frame: np.ndarray
    cover: bool = True

    def __post_init__(self) -> None:
        check_array(self.mask, "Silhouette.mask", (None, None), np.bool_)
        check_array(self.mask_to_frame, "Silhouette.mask_to_frame", (2, 3), np.float64)
        (a, b), (c, d) = self.mask_to_frame[:, :2]
        if not abs(a * d - b * c) >= 1e-12:
            raise ValueError("Silhouette.mask_to_frame must be invertible")

    def frame_to_mask(self) -> np.ndarray:
        """(2, 3) float64 inverse affine: frame pixels → mask-grid pixels."""
        (a, b), (c, d) = self.mask_to_frame[:, :2]
        lin_inv = np.array([[d, -b], [-c, a]]) / (a * d - b * c)
        return np.concatenate([lin_inv, -lin_inv @ self.mask_to_frame[:, 2:]], axis=1)


@dataclasses.dataclass(frozen=True)
class FitEvidence:
    """The evidence for one hand in one frame.

    Attributes:
        joints_px: (21, 2) float64 frame pixels from SHPE, or None when there is no 2D evidence
            (the hand is hidden).
        joint_weight: (21,) float64 ≥ 0 per-joint weight of ``joints_px`` (visibility × SHPE
            confidence; 0 = no evidence for that joint). All zero counts as no 2D evidence.
        prior_rel_m: (21, 3) float64 lifted pose, metres relative to the wrist, camera axes,
            or None.
        silhouette: the side's amodal mask, or None.
        wrist_anchor_px: (2,) float64 frame pixels where other evidence (the body's arm) puts a
            hidden hand's wrist, or None; used only for a hand without 2D joints (inferred):
            its predicted pose is moved there at its predicted depth.

    Raises:
        TypeError / ValueError: a wrong dtype or shape, a non-finite value, a negative weight.
    """

    joints_px: np.ndarray | None
    joint_weight: np.ndarray
    prior_rel_m: np.ndarray | None = None
    silhouette: Silhouette | None = None
    wrist_anchor_px: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.wrist_anchor_px is not None:
            check_array(self.wrist_anchor_px, "FitEvidence.wrist_anchor_px", (2,), np.float64)
            if not np.all(np.isfinite(self.wrist_anchor_px)):
                raise ValueError("FitEvidence.wrist_anchor_px must be finite")
        if self.joints_px is not None:
            check_array(self.joints_px, "FitEvidence.joints_px", (NUM_JOINTS, 2), np.float64)
            if not np.all(np.isfinite(self.joints_px)):
                raise ValueError("FitEvidence.joints_px must be finite")
        check_array(self.joint_weight, "FitEvidence.joint_weight", (NUM_JOINTS,), np.float64)
        if not np.all(np.isfinite(self.joint_weight)) or np.any(self.joint_weight < 0):
            raise ValueError("FitEvidence.joint_weight must be finite and >= 0")
        if self.prior_rel_m is not None:
            check_array(self.prior_rel_m, "FitEvidence.prior_rel_m", (NUM_JOINTS, 3), np.float64)
            if not np.all(np.isfinite(self.prior_rel_m)):
                raise ValueError("FitEvidence.prior_rel_m must be finite")

    @property
    def has_2d(self) -> bool:
        """Whether there is usable 2D joint evidence (joints given and some weight > 0)."""
        return self.joints_px is not None and float(self.joint_weight.sum()) > 0.0
