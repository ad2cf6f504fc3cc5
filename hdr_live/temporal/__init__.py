"""Temporal processing for video: pose smoothing and flow consistency of restored crops.

- :mod:`hdr_live.temporal.smoothing`: :class:`PoseSmoother` (per-hand Kalman or One-Euro joint
  filters driven by capture times) and the jitter metric :func:`mean_joint_acceleration_px`.
- :mod:`hdr_live.temporal.filters`, :mod:`~hdr_live.temporal.kalman`,
  :mod:`~hdr_live.temporal.one_euro`: the joint filters behind one small interface.
- :mod:`hdr_live.temporal.flow`, :mod:`~hdr_live.temporal.crop_consistency`: optical-flow
  consistency of HDRM crops and the warping-error flicker metric.
"""

from hdr_live.temporal.crop_consistency import CropConsistency
from hdr_live.temporal.filters import FilterOptions, JointFilter, KalmanOptions, OneEuroOptions
from hdr_live.temporal.flow import (
    FlowMethod,
    FlowOptions,
    consistent_crop,
    warp_previous,
    warping_error,
)
from hdr_live.temporal.smoothing import (
    FilterKind,
    PoseSmoother,
    SmootherOptions,
    make_joint_filter,
    mean_joint_acceleration_px,
)

__all__ = [
    "CropConsistency",
    "FilterKind",
    "FilterOptions",
    "FlowMethod",
    "FlowOptions",
    "JointFilter",
    "KalmanOptions",
    "OneEuroOptions",
    "PoseSmoother",
    "SmootherOptions",
    "consistent_crop",
    "make_joint_filter",
    "mean_joint_acceleration_px",
    "warp_previous",
    "warping_error",
]
