"""Per-side state of the fitter across frames: the last fit, its velocity, and the hand shape.

Motion model of a hidden hand: a damped constant velocity, ``θ(t₀ + Δ) = θ(t₀) + v·τ·(1 − e^{−Δ/τ})``
with the velocity decaying as ``v·e^{−Δ/τ}`` (an exponentially decelerating particle, the
"damped constant-velocity" model used for coasting tracks). Shape: bone scales of the first
``shape_frames`` confident fits are averaged and then frozen (bone lengths constant over a clip).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.hand_model.kinematics import BONE_SCALE, NUM_BONE_SCALES, param_bounds

#: Weight of the newest finite-difference velocity in the velocity estimate (the rest is the
#: previous estimate), dimensionless.
VELOCITY_BLEND = 0.5


@dataclasses.dataclass(frozen=True)
class ShapeState:
    """The bone scales of one side's person.

    Attributes:
        samples: bone-scale vectors (each (8,) float64) from confident fits, oldest first.
        frozen: (8,) float64 the frozen bone scales, or None while still estimating.
    """

    samples: tuple[np.ndarray, ...] = ()
    frozen: np.ndarray | None = None

    def current(self) -> np.ndarray:
        """(8,) float64 the frozen scales, else the mean of the samples, else ones."""
        if self.frozen is not None:
            return self.frozen
        return np.mean(self.samples, axis=0) if self.samples else np.ones(NUM_BONE_SCALES)

    def with_sample(self, bone_scale: np.ndarray, shape_frames: int) -> "ShapeState":
        """Add one confident fit's scales; freeze at ``shape_frames`` samples (no-op once frozen)."""
        if self.frozen is not None:
            return self
        samples = self.samples + (np.array(bone_scale, dtype=np.float64),)
        frozen = np.mean(samples, axis=0) if len(samples) >= shape_frames else None
        return ShapeState(samples, frozen)


@dataclasses.dataclass(frozen=True)
class TrackState:
    """The last fit of one side.

    Attributes:
        theta: (P,) float64 last fitted parameters.
        velocity: (P,) float64 parameter velocity, units per second (0 for the bone scales).
        t_s: time of the last fit, seconds.
        t_evidence_s: time of the last fit that had 2D evidence, seconds.
    """

    theta: np.ndarray
    velocity: np.ndarray
    t_s: float
    t_evidence_s: float


def predict(state: TrackState, t_s: float, decay_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Damped constant-velocity prediction of ``state`` at ``t_s``.

    Args:
        state: the last fit.
        t_s: the time to predict, seconds (earlier than ``state.t_s`` counts as no gap).
        decay_s: velocity decay time constant τ, seconds (> 0).

    Returns:
        ((P,) predicted parameters clipped into the bounds, (P,) decayed velocity).
    """
    dt = max(t_s - state.t_s, 0.0)
    decay = np.exp(-dt / decay_s)
    low, high = param_bounds()
    theta = np.clip(state.theta + state.velocity * decay_s * (1.0 - decay), low, high)
    return theta, state.velocity * decay


def updated_velocity(state: TrackState | None, theta: np.ndarray, t_s: float,
                     max_gap_s: float) -> np.ndarray:
    """Velocity after a fit ``theta`` at ``t_s`` with 2D evidence.

    Args:
        state: the side's previous fit, or None.
        theta: (P,) float64 the new fit.
        t_s: its time, seconds.
        max_gap_s: a previous fit older than this gives zero velocity, seconds.

    Returns:
        (P,) float64 velocity per second, blended with the previous estimate
        (:data:`VELOCITY_BLEND`); zero on the bone scales.
    """
    if state is None or not 0.0 < t_s - state.t_s <= max_gap_s:
        return np.zeros_like(theta)
    fresh = (theta - state.theta) / (t_s - state.t_s)
    v = VELOCITY_BLEND * fresh + (1.0 - VELOCITY_BLEND) * state.velocity
    v[BONE_SCALE] = 0.0
    return v
