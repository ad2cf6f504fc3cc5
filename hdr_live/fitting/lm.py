"""A small bounded Levenberg–Marquardt solver with a batched forward-difference Jacobian.

Minimises ``cost(x) = Σ r(x)²`` over the free entries of ``x`` inside box bounds. The Jacobian
comes from forward differences (``n_free`` perturbed copies evaluated as one batch); each
iteration tries the damped steps of three damping values and the next Jacobian in one batched
call and keeps the best trial. Marquardt's diagonal scaling (Marquardt 1963; Nocedal & Wright,
"Numerical Optimization", §10.3), solved for all trial dampings from one eigen-decomposition,
and projection onto the bounds after each step (a projected LM, as in Kanzow et al. 2004).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

#: Factors on the current damping tried together in one batched call per iteration; the
#: forward differences are taken around the trial at index ``_MIDDLE``.
_DAMPING_FACTORS = np.array([0.2, 1.0, 8.0])
_MIDDLE = 1
_DAMPING_START = 1e-3
_DAMPING_MAX = 1e8


@dataclasses.dataclass(frozen=True)
class LmResult:
    """Outcome of :func:`solve`.

    Attributes:
        x: (P,) float64 the best parameters found (inside the bounds).
        cost: Σ r(x)² at ``x`` (dimensionless, the residuals are normalised).
        iterations: iterations run (each one Jacobian).
    """

    x: np.ndarray
    cost: float
    iterations: int


def _perturbed(x: np.ndarray, idx: np.ndarray, steps: np.ndarray, high: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """(the n_free perturbed copies of x (n_free, P), the signed steps (n_free,)); a step
    that would leave the upper bound is taken backwards."""
    h = np.where(x[idx] + steps[idx] > high[idx], -steps[idx], steps[idx])
    batch = np.repeat(x[None], len(idx), axis=0)
    batch[np.arange(len(idx)), idx] += h
    return batch, h


def _damped_steps(r: np.ndarray, jac: np.ndarray, lams: np.ndarray) -> np.ndarray:
    """(len(lams), n_free) Marquardt steps −(JᵀJ + λ·diag JᵀJ)⁻¹Jᵀr for every λ, from one
    eigen-decomposition of the diagonally scaled normal matrix (``jac`` is (n_free, R))."""
    jtj = jac @ jac.T
    inv_sqrt_d = 1.0 / np.sqrt(np.maximum(np.diag(jtj), 1e-9))
    evals, evecs = np.linalg.eigh(jtj * inv_sqrt_d[:, None] * inv_sqrt_d[None])
    proj = evecs.T @ ((jac @ r) * inv_sqrt_d)
    scaled = proj[None] / (np.maximum(evals, 0.0)[None] + lams[:, None])
    return -(scaled @ evecs.T) * inv_sqrt_d


def solve(residual_fn: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, free: np.ndarray,
          low: np.ndarray, high: np.ndarray, steps: np.ndarray, iterations: int) -> LmResult:
    """Run bounded Levenberg–Marquardt with one batched residual call per iteration.

    Each call evaluates the three damped trial steps *and* the forward differences around the
    middle-damping trial, so the next iteration's Jacobian is already there when that trial is
    kept (it is reused as an approximation when another trial wins; a rejected iteration keeps
    the current Jacobian and raises the damping).

    Args:
        residual_fn: maps (B, P) float64 parameter vectors to (B, R) float64 residuals; B varies.
        x0: (P,) float64 start (clipped into the bounds).
        free: (P,) bool, the entries being optimised (the others stay at ``x0``).
        low, high: (P,) float64 bounds (±inf allowed).
        steps: (P,) float64 forward-difference step per entry, in the entry's units (> 0).
        iterations: maximum iterations (≥ 0); it stops earlier when the damping saturates.

    Returns:
        The :class:`LmResult` (cost never above the start's).
    """
    x = np.clip(np.asarray(x0, dtype=np.float64), low, high)
    idx = np.flatnonzero(free)
    if iterations <= 0 or len(idx) == 0:
        r = residual_fn(x[None])[0]
        return LmResult(x, float(r @ r), 0)
    batch, h = _perturbed(x, idx, steps, high)
    res = residual_fn(np.concatenate([x[None], batch]))
    r, jac = res[0], (res[1:] - res[0]) / h[:, None]
    cost = float(r @ r)
    damping = _DAMPING_START
    n_trials = len(_DAMPING_FACTORS)
    done = 0
    for done in range(1, iterations + 1):
        trials = np.repeat(x[None], n_trials, axis=0)
        trials[:, idx] += _damped_steps(r, jac, damping * _DAMPING_FACTORS)
        trials = np.clip(trials, low, high)
        batch, h = _perturbed(trials[_MIDDLE], idx, steps, high)
        res = residual_fn(np.concatenate([trials, batch]))
        costs = np.sum(res[:n_trials] ** 2, axis=1)
        best = int(np.argmin(costs))
        if costs[best] < cost:
            x, r, cost = trials[best], res[best], float(costs[best])
            jac = (res[n_trials:] - res[_MIDDLE]) / h[:, None]
            damping = max(damping * _DAMPING_FACTORS[best] * 0.5, 1e-9)
        else:
            damping *= 20.0
            if damping > _DAMPING_MAX:
                break
    return LmResult(x, cost, done)
