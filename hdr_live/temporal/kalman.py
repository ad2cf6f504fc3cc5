"""Constant-velocity Kalman filter over a set of points, built on ``filterpy``.

Model (Bar-Shalom, Li, Kirubarajan, "Estimation with Applications to Tracking and Navigation",
2001, §6.3.2, discrete white-noise acceleration): every coordinate of every point is an
independent position/velocity pair,

    x_k = F(dt) x_{k-1} + w,   F(dt) = [[1, dt], [0, 1]],
    w ~ N(0, Q),               Q = σ_a² [[dt⁴/4, dt³/2], [dt³/2, dt²]]
    z_k = [1, 0] x_k + v,      v ~ N(0, σ_z²)

with ``dt`` the real time between measurements. The D coordinates of one point share F, Q and
R, so their 2×2 covariances are identical: each point has one ``filterpy.kalman.KalmanFilter``
(dim_x = 2, dim_z = 1) whose state ``x`` is (2, D), one column per coordinate. This is exactly
the per-coordinate filter, at 1/D of the cost.
"""

from __future__ import annotations

import numpy as np
from filterpy.common import Q_discrete_white_noise
from filterpy.kalman import KalmanFilter

from hdr_live.temporal.filters import KalmanOptions, check_points, check_visible

_H = np.array([[1.0, 0.0]])


class KalmanJointFilter:
    """Constant-velocity Kalman filter for (N, D) points (see the module docstring).

    Occlusion: an occluded point's measurement std is multiplied by
    ``options.occluded_std_factor``, so its estimate follows the constant-velocity prediction
    more. Units: whatever the points use (px or m); time in seconds.
    """

    def __init__(self, options: KalmanOptions, num_points: int, dims: int) -> None:
        """Create an uninitialised filter.

        Raises:
            ValueError: non-positive ``num_points`` or ``dims``.
        """
        if num_points <= 0 or dims <= 0:
            raise ValueError(f"need num_points > 0 and dims > 0, got {num_points}, {dims}")
        self._options = options
        self._n, self._d = num_points, dims
        self._kfs = [KalmanFilter(dim_x=2, dim_z=1) for _ in range(num_points)]
        for kf in self._kfs:
            kf.H = _H.copy()
        self._t_s: float | None = None

    def reset(self, t_s: float, points: np.ndarray) -> np.ndarray:
        """Start again from ``points`` (N, D) at ``t_s`` seconds with zero velocity.

        Returns:
            (N, D) float64 copy of ``points``.

        Raises:
            ValueError: wrong shape or non-finite values.
        """
        z = check_points(points, self._n, self._d)
        o = self._options
        p0 = np.diag([o.measurement_std**2, o.initial_velocity_std**2])
        for kf, row in zip(self._kfs, z):
            kf.x = np.stack([row, np.zeros(self._d)])
            kf.P = p0.copy()
        self._t_s = float(t_s)
        return z

    def step(self, t_s: float, points: np.ndarray, visible: np.ndarray) -> np.ndarray:
        """Predict to ``t_s`` and fuse the measurement ``points`` (N, D).

        ``visible`` is (N,) bool. The first call and a call with a time earlier than the last
        one reset the filter (returning ``points``); dt = 0 fuses without predicting.

        Returns:
            (N, D) float64 posterior positions.

        Raises:
            ValueError: wrong shapes or non-finite values.
        """
        z = check_points(points, self._n, self._d)
        vis = check_visible(visible, self._n)
        if self._t_s is None or t_s < self._t_s:
            return self.reset(t_s, z)
        o = self._options
        dt = float(t_s) - self._t_s
        f = np.array([[1.0, dt], [0.0, 1.0]])
        q = Q_discrete_white_noise(dim=2, dt=dt, var=o.acceleration_std**2)
        r_visible = np.array([[o.measurement_std**2]])
        r_occluded = r_visible * o.occluded_std_factor**2
        out = np.empty_like(z)
        for i, kf in enumerate(self._kfs):
            if dt > 0.0:
                kf.predict(F=f, Q=q)
            # H given explicitly: filterpy then takes z as is, a (1, D) row of measurements.
            kf.update(z[i : i + 1], R=r_visible if vis[i] else r_occluded, H=_H)
            out[i] = kf.x[0]
        self._t_s = float(t_s)
        return out
