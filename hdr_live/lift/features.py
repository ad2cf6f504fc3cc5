"""Input normalisation of the lifter (shared by training and inference; numpy only).

Inputs of one hand, all in the HDRM crop (a left hand mirrored to look right):

- 2D joints in crop px are centred on their mean ``c`` and divided by their RMS spread ``r``
  (:func:`spread`): ``q_i = (p_i − c) / r``. This makes the input independent of where and how
  large the hand sits in the crop (HDRM frames it from the amodal mask, whose forearm varies).
  ``r`` is floored at ``MIN_SPREAD_FRACTION × crop_size_px``.
- The SHPE's wrist-relative world landmarks (metres, crop axes) are divided by their own 3D RMS
  spread (so only their shape counts; d = (z − z_root)/s is scale-free, seed 003 eq. 1).
- Visibility is 0/1 (1 = the joint lies on its own hand's visible mask, from HASM).

Outputs map back with ``p_i = c + r · q_i``; rel depth needs no mapping.
"""

from __future__ import annotations

import dataclasses

import numpy as np

#: Floor of the 2D spread as a share of the crop side (guards collapsed inputs).
MIN_SPREAD_FRACTION = 0.01
#: Joints of the keybone (middle-finger MCP → PIP, seed 003 eq. 1).
KEYBONE = (9, 10)


def spread(points: np.ndarray) -> np.ndarray:
    """RMS distance of the joints from their mean.

    Args:
        points: (..., 21, D) float array (D = 2 px or 3 m).

    Returns:
        (...) float64, same unit as ``points``.
    """
    p = np.asarray(points, dtype=np.float64)
    centred = p - p.mean(axis=-2, keepdims=True)
    return np.sqrt((centred ** 2).sum(axis=-1).mean(axis=-1))


@dataclasses.dataclass(frozen=True)
class LiftInputs:
    """Normalised network inputs for B hands.

    Attributes:
        centre_px: (B, 2) float64 mean of the 2D joints, crop px.
        spread_px: (B,) float64 RMS spread of the 2D joints, crop px.
        joints_norm: (B, 21, 2) float32 (p − c) / r.
        world_norm: (B, 21, 3) float32 world landmarks / their RMS spread.
        visible: (B, 21) float32 0/1.
    """

    centre_px: np.ndarray
    spread_px: np.ndarray
    joints_norm: np.ndarray
    world_norm: np.ndarray
    visible: np.ndarray

    def to_crop_px(self, joints_norm: np.ndarray) -> np.ndarray:
        """(B, 21, 2) normalised joints → float64 crop px."""
        return self.centre_px[:, None, :] + self.spread_px[:, None, None] * joints_norm


def normalise(joints_crop_px: np.ndarray, visible: np.ndarray, world_rel_m: np.ndarray,
              crop_size_px: float) -> LiftInputs:
    """Normalise B hands' SHPE outputs (see the module docstring).

    Args:
        joints_crop_px: (B, 21, 2) float crop px. visible: (B, 21) bool or 0/1.
        world_rel_m: (B, 21, 3) float metres, wrist-relative, crop axes.
        crop_size_px: the crop side S in pixels (> 0).

    Returns:
        :class:`LiftInputs`.

    Raises:
        ValueError: wrong shapes, non-finite values or a non-positive crop size.
    """
    p = np.asarray(joints_crop_px, dtype=np.float64)
    w = np.asarray(world_rel_m, dtype=np.float64)
    v = np.asarray(visible)
    b = p.shape[0] if p.ndim == 3 else -1
    if p.shape != (b, 21, 2) or w.shape != (b, 21, 3) or v.shape != (b, 21):
        raise ValueError(f"need joints (B, 21, 2), world (B, 21, 3), visible (B, 21); got "
                         f"{p.shape}, {w.shape}, {v.shape}")
    if not (np.isfinite(p).all() and np.isfinite(w).all()):
        raise ValueError("lifter inputs must be finite")
    if not crop_size_px > 0:
        raise ValueError(f"crop_size_px must be positive, got {crop_size_px}")
    centre = p.mean(axis=1)
    r = np.maximum(spread(p), MIN_SPREAD_FRACTION * float(crop_size_px))
    r3 = np.maximum(spread(w), 1e-4)
    return LiftInputs(centre, r, ((p - centre[:, None]) / r[:, None, None]).astype(np.float32),
                      (w / r3[:, None, None]).astype(np.float32), v.astype(np.float32))
