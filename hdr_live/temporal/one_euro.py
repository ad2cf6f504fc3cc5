"""One-Euro filter over a set of points.

Casiez, Roussel, Vogel, "1€ Filter: A Simple Speed-based Low-pass Filter for Noisy Input in
Interactive Systems", CHI 2012, algorithm in §"Algorithm" / Fig. 2:

    α(f_c, T_e) = 1 / (1 + τ / T_e),   τ = 1 / (2π f_c)
    dx̂_i = α(d_cutoff) · (x_i − x̂_{i−1}) / T_e + (1 − α(d_cutoff)) · dx̂_{i−1}
    f_c  = min_cutoff + β · |dx̂_i|
    x̂_i  = α(f_c) · x_i + (1 − α(f_c)) · x̂_{i−1}

with ``T_e`` the real time since the previous sample. Vectorised over points; a point's speed
``|dx̂|`` is the norm of its D-dimensional velocity so all its coordinates share one cutoff (the
paper filters each coordinate alike; sharing avoids bending a point's path).
"""

from __future__ import annotations

import math

import numpy as np

from hdr_live.temporal.filters import OneEuroOptions, check_points, check_visible


def smoothing_factor(cutoff_hz: np.ndarray | float, dt_s: float) -> np.ndarray:
    """α = 1 / (1 + 1 / (2π f_c T_e)) of an exponential low-pass (CHI 2012, eq. in Fig. 2).

    Args:
        cutoff_hz: cutoff frequency/ies in Hz (> 0), scalar or array.
        dt_s: sampling period in seconds (>= 0; 0 gives α = 0).

    Returns:
        float64 array of the broadcast shape, in [0, 1).
    """
    c = np.asarray(cutoff_hz, dtype=np.float64)
    r = 2.0 * math.pi * c * dt_s
    return r / (r + 1.0)


class OneEuroJointFilter:
    """One-Euro filter for (N, D) points (see the module docstring).

    Occlusion: an occluded point's cutoff is scaled by ``options.occluded_cutoff_scale`` (< 1),
    so it holds its previous estimate more. Units: those of the points; time in seconds.
    """

    def __init__(self, options: OneEuroOptions, num_points: int, dims: int) -> None:
        """Create an uninitialised filter.

        Raises:
            ValueError: non-positive ``num_points`` or ``dims``.
        """
        if num_points <= 0 or dims <= 0:
            raise ValueError(f"need num_points > 0 and dims > 0, got {num_points}, {dims}")
        self._options = options
        self._n, self._d = num_points, dims
        self._x: np.ndarray | None = None
        self._dx = np.zeros((num_points, dims))
        self._t_s = 0.0

    def reset(self, t_s: float, points: np.ndarray) -> np.ndarray:
        """Start again from ``points`` (N, D) at ``t_s`` seconds with zero speed.

        Returns:
            (N, D) float64 copy of ``points``.

        Raises:
            ValueError: wrong shape or non-finite values.
        """
        x = check_points(points, self._n, self._d)
        self._x = x.copy()
        self._dx = np.zeros_like(x)
        self._t_s = float(t_s)
        return x

    def step(self, t_s: float, points: np.ndarray, visible: np.ndarray) -> np.ndarray:
        """Filter the measurement ``points`` (N, D) taken at ``t_s`` seconds.

        ``visible`` is (N,) bool. The first call and a call with a time earlier than the last
        one reset the filter (returning ``points``). dt = 0 carries no time to low-pass over:
        the previous estimate is returned and the state is unchanged.

        Returns:
            (N, D) float64 filtered positions.

        Raises:
            ValueError: wrong shapes or non-finite values.
        """
        x = check_points(points, self._n, self._d)
        vis = check_visible(visible, self._n)
        if self._x is None or t_s < self._t_s:
            return self.reset(t_s, x)
        dt = float(t_s) - self._t_s
        if dt == 0.0:
            return self._x.copy()
        o = self._options
        a_d = smoothing_factor(o.d_cutoff_hz, dt)
        self._dx = a_d * (x - self._x) / dt + (1.0 - a_d) * self._dx
        speed = np.linalg.norm(self._dx, axis=1)
        cutoff = (o.min_cutoff_hz + o.beta * speed) * np.where(vis, 1.0, o.occluded_cutoff_scale)
        a = smoothing_factor(cutoff, dt)[:, None]
        self._x = a * x + (1.0 - a) * self._x
        self._t_s = float(t_s)
        return self._x.copy()
