"""The signed-distance field of a rest-pose right hand with forearm (MANO-free).

The hand is a smooth union (Quilez' polynomial smin) of: a rounded palm slab with thenar and
hypothenar pads, an elliptical forearm, and round-cone phalanges. The smooth union between the
palm and the fingers makes the webbing between finger bases. All in the hand frame of
:mod:`hdr_live.hand_model.skeleton`, metres, unit global scale.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.joints import FINGERS
from training.synth import sdf
from hdr_live.hand_model.articulation import rot_z
from hdr_live.hand_model.skeleton import HandShape, RestSkeleton

#: Palm outline in the hand frame xy (before palm width/length factors), metres.
PALM_OUTLINE_M = np.array(
    [
        [-0.026, 0.000],
        [0.021, 0.000],
        [0.033, 0.030],
        [0.033, 0.060],
        [0.029, 0.086],
        [0.004, 0.093],
        [-0.015, 0.088],
        [-0.034, 0.077],
        [-0.037, 0.045],
    ]
)
FOREARM_LENGTH_M = 0.27
#: Blend radii (metres): palm-finger webbing, palm-pad, palm-forearm, along a finger.
K_WEB, K_PAD, K_WRIST, K_JOINT = 0.0075, 0.010, 0.022, 0.002
#: Beyond this distance (metres) a finger segment cannot affect the blends, so it is not evaluated.
_FAR_M = 0.03
#: Shaft radius of a phalanx relative to the mean of its end radii.
MID_WAIST = 0.93


@dataclasses.dataclass(frozen=True)
class HandFields:
    """The component fields of the hand at a set of points, each (N,) float64 metres.

    Attributes:
        palm: palm slab with pads (no fingers, no forearm).
        forearm: the forearm.
        segments: (15, N) the 15 finger segments, index ``3*finger + segment``.
        surface: the whole hand (the zero level set is the skin).
    """

    palm: np.ndarray
    forearm: np.ndarray
    segments: np.ndarray
    surface: np.ndarray


def segment_radii(rest: RestSkeleton, finger: int) -> np.ndarray:
    """Surface radius at the 4 joints of ``finger`` (base..tip), (4,) float64, metres."""
    cum = np.concatenate([[0.0], np.cumsum(rest.lengths[finger])])
    r0, r1 = rest.radii[finger]
    return r0 + (r1 - r0) * cum / cum[-1]


def _forearm(p: np.ndarray, shape: HandShape) -> np.ndarray:
    w = shape.forearm_width
    rx_wrist, rx_elbow = 0.027 * w, 0.034 * w
    ratio_wrist, ratio_elbow = 0.027 / 0.0185, 0.034 / 0.029
    t = np.clip(-p[:, 1] / FOREARM_LENGTH_M, 0.0, 1.0)
    ratio = ratio_wrist + (ratio_elbow - ratio_wrist) * t
    q = np.stack([p[:, 0], p[:, 1], (p[:, 2] - 0.001) * ratio], axis=1)
    a = np.array([0.0, 0.012, 0.0])
    b = np.array([0.0, -FOREARM_LENGTH_M, 0.0])
    return sdf.round_cone(q, a, b, rx_wrist, rx_elbow) / ratio**0.5


def _palm(p: np.ndarray, shape: HandShape) -> np.ndarray:
    outline = PALM_OUTLINE_M * np.array([shape.palm_width, shape.palm_length])
    half = 0.0125 * shape.thickness
    slab = sdf.rounded_slab(p, outline, 0.0015, half, 0.0095)
    scale = np.array([shape.palm_width, shape.palm_length, shape.thickness])
    thenar = sdf.ellipsoid(
        p, np.array([0.021, 0.034, 0.010]) * scale, np.array([0.015, 0.025, 0.0125]) * scale, rot_z(-35.0)
    )
    hypothenar = sdf.ellipsoid(
        p, np.array([-0.024, 0.040, 0.007]) * scale, np.array([0.0125, 0.030, 0.011]) * scale
    )
    return sdf.smin(sdf.smin(slab, thenar, K_PAD), hypothenar, K_PAD)


def _segments(p: np.ndarray, rest: RestSkeleton) -> np.ndarray:
    joints = rest.joints()
    out = np.empty((15, len(p)))
    for f, chain in enumerate(FINGERS):
        radii = segment_radii(rest, f)
        for k in range(3):
            a, b = joints[chain[k + 1]], joints[chain[k + 2]]
            if k == 2:  # the tip joint sits at the end of the pulp, not at a cap centre
                b = b - (b - a) / np.linalg.norm(b - a) * radii[3] * 0.9
            margin = max(radii[k], radii[k + 1]) + _FAR_M
            box_lo, box_hi = np.minimum(a, b) - margin, np.maximum(a, b) + margin
            near = np.all((p >= box_lo) & (p <= box_hi), axis=1)
            out[3 * f + k] = _FAR_M
            # proximal/middle phalanges are waisted: knuckles wider than the shaft
            waist = MID_WAIST if k < 2 else 1.0  # the distal pad is not waisted
            mid, r_mid = (a + b) / 2, waist * (radii[k] + radii[k + 1]) / 2
            q = p[near]
            out[3 * f + k, near] = np.minimum(
                sdf.round_cone(q, a, mid, radii[k], r_mid), sdf.round_cone(q, mid, b, r_mid, radii[k + 1])
            )
    return out


def hand_fields(p: np.ndarray, rest: RestSkeleton, shape: HandShape) -> HandFields:
    """Evaluate the hand's component fields at points.

    Args:
        p: (N, 3) float64 points in the hand frame, metres (unit global scale).
        rest: rest skeleton of the same shape.
        shape: shape parameters (palm, thickness and forearm factors are used here).

    Returns:
        :class:`HandFields` at ``p``.
    """
    palm = _palm(p, shape)
    forearm = _forearm(p, shape)
    segs = _segments(p, rest)
    fingers = np.full(len(p), np.inf)
    for f in range(5):
        chain = sdf.smin(sdf.smin(segs[3 * f], segs[3 * f + 1], K_JOINT), segs[3 * f + 2], K_JOINT)
        fingers = np.minimum(fingers, chain)
    body = sdf.smin(palm, forearm, K_WRIST)
    return HandFields(palm=palm, forearm=forearm, segments=segs, surface=sdf.smin(body, fingers, K_WEB))
