"""The small interface shared by the per-hand joint filters, and their options.

A *joint filter* smooths one set of points over time, e.g. the 21 joints of one hand in frame
pixels, shape (N, D) = (21, 2), or wrist-relative metres, (21, 3). It is causal: the output for a
measurement at time ``t`` depends only on measurements at times ``<= t``, so it adds no
look-ahead latency. Time comes from the caller (``Frame.t_capture_s``), so a variable frame
interval is handled exactly.

The concrete filter is chosen by the *type* of its options (:class:`KalmanOptions` or
:class:`OneEuroOptions`) through :func:`hdr_live.temporal.smoothing.make_joint_filter`; there is
no string registry.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

import numpy as np


class JointFilter(Protocol):
    """A causal filter over a fixed number of points.

    Shapes: ``points`` is (N, D) float64 in the caller's units (px or m); ``visible`` is (N,)
    bool. The output has the shape and units of ``points``.
    """

    def reset(self, t_s: float, points: np.ndarray) -> np.ndarray:
        """Forget the past and start again from ``points`` at time ``t_s`` (seconds).

        Returns:
            A copy of ``points``: right after a reset the estimate *is* the measurement.
        """
        ...

    def step(self, t_s: float, points: np.ndarray, visible: np.ndarray) -> np.ndarray:
        """Fuse the measurement ``points`` taken at ``t_s`` seconds and return the estimate.

        ``visible[i] = False`` marks point ``i`` as occluded: its measurement is trusted less
        and the filter's prediction more. The first call, and a call with ``t_s`` earlier than
        the previous one (a restarted timeline), reset the filter. ``t_s`` equal to the
        previous time (dt = 0) is a second measurement of the same instant.

        Raises:
            ValueError: wrong shapes or non-finite values.
        """
        ...


@dataclasses.dataclass(frozen=True)
class KalmanOptions:
    """Constant-velocity Kalman filter per point coordinate (Bar-Shalom 2001, §6.3.2).

    State per coordinate: position and velocity. Process noise: the discrete white-noise
    acceleration model, ``Q = σ_a² [[dt⁴/4, dt³/2], [dt³/2, dt²]]`` for the real ``dt``.

    Attributes:
        measurement_std: standard deviation of a visible point's measurement, in the units of
            the points (px or m).
        acceleration_std: standard deviation of the unmodelled acceleration, units per s².
            Larger follows quick changes of motion faster; smaller smooths more.
        initial_velocity_std: prior std of the velocity after a reset, units per s (the
            velocity starts at 0; a large value lets the filter learn it within a few frames).
        occluded_std_factor: an occluded point's measurement std is ``measurement_std`` times
            this (>= 1), so the filter leans on its constant-velocity prediction.
    """

    measurement_std: float
    acceleration_std: float
    initial_velocity_std: float
    occluded_std_factor: float = 4.0

    def __post_init__(self) -> None:
        if not (self.measurement_std > 0 and self.acceleration_std > 0):
            raise ValueError(f"Kalman noise std must be positive: {self}")
        if not self.occluded_std_factor >= 1.0 or not self.initial_velocity_std > 0:
            raise ValueError(f"occluded_std_factor must be >= 1, velocity std > 0: {self}")


@dataclasses.dataclass(frozen=True)
class OneEuroOptions:
    """One-Euro filter (Casiez, Roussel, Vogel, CHI 2012), one per point.

    cutoff (Hz) = ``min_cutoff_hz`` + ``beta`` · |filtered speed|, where the speed of a point is
    the Euclidean norm of its D-dimensional velocity (units/s), low-passed at
    ``d_cutoff_hz``. Slow motion is smoothed hard (low cutoff), fast motion passes with little
    lag (high cutoff).

    Attributes:
        min_cutoff_hz: cutoff at rest, Hz (> 0).
        beta: speed coefficient, Hz per (unit/s), i.e. 1/unit (>= 0).
        d_cutoff_hz: cutoff of the speed estimate, Hz (> 0).
        occluded_cutoff_scale: an occluded point's cutoff (both ``min_cutoff_hz`` and the β
            term) is multiplied by this, in (0, 1], so it holds its previous estimate more. The
            One-Euro filter has no motion model, so this also adds lag to occluded points in
            fast motion (about 1/scale times the visible points' lag).
    """

    min_cutoff_hz: float
    beta: float
    d_cutoff_hz: float = 1.0
    occluded_cutoff_scale: float = 0.5

    def __post_init__(self) -> None:
        if not (self.min_cutoff_hz > 0 and self.d_cutoff_hz > 0 and self.beta >= 0):
            raise ValueError(f"One-Euro needs cutoffs > 0 and beta >= 0: {self}")
        if not 0.0 < self.occluded_cutoff_scale <= 1.0:
            raise ValueError(f"occluded_cutoff_scale must be in (0, 1]: {self}")


#: Options of any joint filter; the type selects the filter.
FilterOptions = KalmanOptions | OneEuroOptions


def check_points(points: np.ndarray, num_points: int, dims: int) -> np.ndarray:
    """Validate (N, D) points and return them as float64 (a copy).

    Raises:
        ValueError: wrong shape or non-finite values.
    """
    arr = np.array(points, dtype=np.float64, copy=True)
    if arr.shape != (num_points, dims):
        raise ValueError(f"points must have shape ({num_points}, {dims}), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("points contain non-finite values")
    return arr


def check_visible(visible: np.ndarray, num_points: int) -> np.ndarray:
    """Validate an (N,) visibility vector and return it as bool.

    Raises:
        ValueError: wrong shape.
    """
    arr = np.asarray(visible, dtype=bool)
    if arr.shape != (num_points,):
        raise ValueError(f"visible must have shape ({num_points},), got {arr.shape}")
    return arr
