"""The rest-pose skeleton of a procedural right hand and its shape variation.

Hand-local frame (right hand; the left hand is its mirror x -> -x):
origin at the wrist joint, +y distal (wrist towards the middle-finger MCP), +z palmar (out of
the palm), +x radial (towards the thumb). Units are metres. It is a right-handed frame.

Bone lengths and radii are adult averages from anthropometric tables (e.g. Buryanov & Kotiuk,
"Proportions of hand segments", Int. J. Morphol. 2010; Greiner, "Hand anthropometry of U.S.
Army personnel", 1991), rounded; joint order follows :class:`hdr_live.joints.Joint`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.joints import FINGERS, NUM_JOINTS

#: Base of each finger chain in the rest hand (thumb CMC, index..pinky MCP), metres, (5, 3).
BASE_POSITIONS_M = np.array(
    [
        [0.021, 0.026, 0.011],
        [0.025, 0.086, 0.0],
        [0.004, 0.090, 0.0],
        [-0.015, 0.085, 0.0],
        [-0.031, 0.075, 0.0],
    ]
)

#: Three segment lengths per finger (thumb: metacarpal, proximal, distal), metres, (5, 3).
SEGMENT_LENGTHS_M = np.array(
    [
        [0.041, 0.032, 0.028],
        [0.042, 0.025, 0.021],
        [0.046, 0.029, 0.022],
        [0.043, 0.028, 0.022],
        [0.034, 0.020, 0.020],
    ]
)

#: Surface radius at the base of the first segment and at the tip, per finger, metres, (5, 2).
RADII_M = np.array(
    [
        [0.0125, 0.0088],
        [0.0093, 0.0074],
        [0.0098, 0.0077],
        [0.0092, 0.0073],
        [0.0081, 0.0066],
    ]
)

#: Rest direction of each finger's first segment in the hand frame (unnormalised), (5, 3).
REST_DIRECTIONS = np.array(
    [
        [0.55, 0.78, 0.24],
        [0.14, 1.0, 0.0],
        [0.02, 1.0, 0.0],
        [-0.10, 1.0, 0.0],
        [-0.22, 1.0, 0.0],
    ]
)

#: Direction the thumb tip moves when it flexes (towards the palm centre), before
#: orthogonalisation against the thumb direction.
THUMB_FLEX_TOWARD = np.array([-0.55, 0.0, 0.84])


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


@dataclasses.dataclass(frozen=True)
class HandShape:
    """Shape parameters of one procedural hand (multiplicative factors around 1).

    Attributes:
        scale: overall size factor (adult range about 0.85-1.15; 1.0 = hand length 0.19 m).
        palm_width: factor on the radial-ulnar spread of the finger bases.
        palm_length: factor on the wrist-to-MCP distance.
        finger_lengths: (5,) factors on each finger's segment lengths, thumb first.
        finger_width: factor on all finger radii.
        thickness: factor on palm thickness.
        forearm_width: factor on the forearm cross-section.
    """

    scale: float = 1.0
    palm_width: float = 1.0
    palm_length: float = 1.0
    finger_lengths: tuple[float, float, float, float, float] = (1.0, 1.0, 1.0, 1.0, 1.0)
    finger_width: float = 1.0
    thickness: float = 1.0
    forearm_width: float = 1.0

    @staticmethod
    def sample(rng: np.random.Generator) -> "HandShape":
        """Draw a plausible adult/teen hand shape.

        Args:
            rng: numpy random generator (consumed).

        Returns:
            A new :class:`HandShape`.
        """
        common = rng.normal(1.0, 0.05)
        lengths = tuple(float(np.clip(common + rng.normal(0, 0.025), 0.85, 1.15)) for _ in range(5))
        return HandShape(
            scale=float(np.clip(rng.normal(1.0, 0.07), 0.82, 1.18)),
            palm_width=float(np.clip(rng.normal(1.0, 0.05), 0.88, 1.12)),
            palm_length=float(np.clip(rng.normal(1.0, 0.04), 0.9, 1.1)),
            finger_lengths=lengths,  # type: ignore[arg-type]
            finger_width=float(np.clip(rng.normal(1.0, 0.07), 0.85, 1.2)),
            thickness=float(np.clip(rng.normal(1.0, 0.08), 0.85, 1.2)),
            forearm_width=float(np.clip(rng.normal(1.0, 0.08), 0.85, 1.2)),
        )


@dataclasses.dataclass(frozen=True)
class RestSkeleton:
    """The unit-scale rest skeleton of a right hand for one :class:`HandShape`.

    Global ``HandShape.scale`` is *not* applied here; it is applied to the posed geometry.

    Attributes:
        bases: (5, 3) float64 chain bases (thumb CMC, finger MCPs), hand frame, metres.
        lengths: (5, 3) float64 segment lengths, metres.
        radii: (5, 2) float64 surface radius at chain base and tip, metres.
        frames: (5, 3, 3) float64 rest frame of each chain's first segment; columns are
            (flexion axis a, bone direction d, flexion-towards axis c) with c = a x d.
    """

    bases: np.ndarray
    lengths: np.ndarray
    radii: np.ndarray
    frames: np.ndarray

    def joints(self) -> np.ndarray:
        """Rest joint positions, (21, 3) float64, hand frame, metres (wrist at the origin)."""
        out = np.zeros((NUM_JOINTS, 3))
        for f, chain in enumerate(FINGERS):
            d = self.frames[f][:, 1]
            out[chain[1]] = self.bases[f]
            for k in range(3):
                out[chain[k + 2]] = out[chain[k + 1]] + d * self.lengths[f, k]
        return out


def rest_frames() -> np.ndarray:
    """Rest frames of the five chains, (5, 3, 3) float64, columns (a, d, c), see RestSkeleton."""
    frames = np.zeros((5, 3, 3))
    dirs = _unit(REST_DIRECTIONS)
    for f in range(5):
        d = dirs[f]
        toward = THUMB_FLEX_TOWARD if f == 0 else np.array([0.0, 0.0, 1.0])
        c = _unit(toward - np.dot(toward, d) * d)
        a = np.cross(d, c)
        frames[f] = np.stack([a, d, c], axis=1)
    return frames


def rest_skeleton(shape: HandShape) -> RestSkeleton:
    """Build the rest skeleton for ``shape`` (without the global scale).

    Args:
        shape: the hand's shape parameters.

    Returns:
        The :class:`RestSkeleton`.
    """
    bases = BASE_POSITIONS_M.copy()
    bases[:, 0] *= shape.palm_width
    bases[:, 1] *= shape.palm_length
    lengths = SEGMENT_LENGTHS_M * np.asarray(shape.finger_lengths)[:, None]
    radii = RADII_M * shape.finger_width
    return RestSkeleton(bases=bases, lengths=lengths, radii=radii, frames=rest_frames())
