"""Sampling plausible hand articulations: canonical grasps/gestures plus noise, inside the limits.

Angles follow :mod:`hdr_live.hand_model.articulation` (degrees, per finger
``[base_flex, base_abd, mid_flex, dist_flex]``, thumb first).
"""

from __future__ import annotations

import enum

import numpy as np

from hdr_live.hand_model.articulation import ANGLE_HIGH, ANGLE_LOW, WRIST_HIGH, WRIST_LOW, HandArticulation

_SPREAD = np.array([0.0, -8.0, 0.0, 6.0, 12.0])
_OPEN = np.array([0.0, 0.0, 0.0, 0.0])
_CURL = np.array([85.0, 0.0, 95.0, 65.0])
_THUMB_TUCK = np.array([35.0, 10.0, 40.0, 30.0])
_THUMB_OUT = np.array([-10.0, -10.0, 5.0, 5.0])


class Gesture(enum.Enum):
    """Canonical hand shapes the prior starts from."""

    OPEN = "open"
    RELAXED = "relaxed"
    FIST = "fist"
    POINT = "point"
    VICTORY = "victory"
    PINCH = "pinch"
    OK = "ok"
    CLAW = "claw"
    FLAT = "flat"
    GRIP = "grip"
    THUMBS_UP = "thumbs_up"
    RANDOM = "random"


def _with_fingers(per_finger: list[np.ndarray], spread: float) -> np.ndarray:
    out = np.stack(per_finger).astype(np.float64)
    out[1:, 1] += _SPREAD[1:] * spread
    return out


def canonical(gesture: Gesture, rng: np.random.Generator) -> np.ndarray:
    """The (5, 4) finger angles (degrees) of a gesture; RANDOM draws uniformly in the limits."""
    curl, open_ = _CURL, _OPEN
    table = {
        Gesture.OPEN: ([np.zeros(4)] + [open_] * 4, 1.0),
        Gesture.RELAXED: ([np.array([10.0, 0, 10, 10])] + [np.array([20.0, 0, 30, 18])] * 4, 0.5),
        Gesture.FIST: ([_THUMB_TUCK] + [curl] * 4, 0.0),
        Gesture.POINT: ([_THUMB_TUCK, open_, curl, curl, curl], 0.0),
        Gesture.VICTORY: ([_THUMB_TUCK, open_, open_, curl, curl], 1.5),
        Gesture.PINCH: (
            [
                np.array([35.0, -5, 20, 25]),
                np.array([45.0, 0, 50, 30]),
                np.array([30.0, 0, 40, 20]),
                np.array([35.0, 0, 45, 25]),
                np.array([40.0, 0, 50, 30]),
            ],
            0.3,
        ),
        Gesture.OK: ([np.array([35.0, -5, 20, 25]), np.array([45.0, 0, 50, 30]), open_, open_, open_], 1.0),
        Gesture.CLAW: ([np.array([20.0, -5, 30, 40])] + [np.array([10.0, 0, 80, 70])] * 4, 1.0),
        Gesture.FLAT: ([np.array([-5.0, 10, 0, 0])] + [open_] * 4, -0.6),
        Gesture.GRIP: ([np.array([30.0, -20, 20, 10])] + [np.array([50.0, 0, 60, 40])] * 4, 0.2),
        Gesture.THUMBS_UP: ([_THUMB_OUT] + [curl] * 4, 0.0),
    }
    if gesture is Gesture.RANDOM:
        angles = rng.uniform(ANGLE_LOW, ANGLE_HIGH)
        angles[:, 3] = np.clip(0.67 * angles[:, 2] + rng.normal(0, 10, 5), ANGLE_LOW[:, 3], ANGLE_HIGH[:, 3])
        return angles
    fingers, spread = table[gesture]
    return _with_fingers(fingers, spread)


def sample_articulation(
    rng: np.random.Generator, gesture: Gesture | None = None, noise_deg: float = 9.0
) -> HandArticulation:
    """Draw a plausible articulation.

    Args:
        rng: numpy generator (consumed).
        gesture: start from this gesture (random one if None).
        noise_deg: standard deviation of the per-angle noise in degrees.

    Returns:
        A :class:`HandArticulation` inside the anatomical limits.
    """
    if gesture is None:
        gestures = list(Gesture)
        gesture = gestures[int(rng.integers(len(gestures)))]
    angles = canonical(gesture, rng) + rng.normal(0, noise_deg, (5, 4))
    angles[:, [0, 2, 3]] += rng.normal(0, noise_deg, 5)[:, None] * 0.8  # per-finger curl
    angles[:, 3] = 0.6 * angles[:, 3] + 0.4 * 0.67 * angles[:, 2]  # DIP follows PIP
    wrist = np.clip(rng.normal(0, [25.0, 10.0]), WRIST_LOW, WRIST_HIGH)
    return HandArticulation(angles, wrist).clipped()
