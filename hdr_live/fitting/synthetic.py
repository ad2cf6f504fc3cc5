"""Generated hands and their evidence, for the fitter's tests and benchmark.

Poses are drawn inside the joint limits, hands are placed 0.35–0.7 m in front of the camera
with the palm roughly towards it; evidence is the model's own projection plus Gaussian pixel
noise, the wrist-relative joints plus Gaussian metric noise, and a silhouette rasterised from
the projected capsules (``cv2.line`` with the capsule's projected diameter, round caps).
"""

from __future__ import annotations

import cv2
import numpy as np

from hdr_live.fitting.evidence import FitEvidence, Silhouette
from hdr_live.hand_model.articulation import ANGLE_HIGH, ANGLE_LOW
from hdr_live.camera import Intrinsics, project
from hdr_live.hand_model.capsules import hand_capsules
from hdr_live.hand_model.kinematics import BONE_SCALE, HandParams, bone_scale_of, joints_cam_batch
from hdr_live.hand_model.rotation import matrix_to_rotvec, rotvec_to_matrix
from hdr_live.hand_model.skeleton import HandShape
from hdr_live.joints import NUM_JOINTS, Side

#: The synthetic camera: 640 × 480 pixels, 60° horizontal field of view.
IMAGE_SIZE_PX = (640, 480)


def camera() -> Intrinsics:
    """The synthetic camera (:data:`IMAGE_SIZE_PX`, 60° horizontal field of view)."""
    return Intrinsics.from_fov(IMAGE_SIZE_PX[0], IMAGE_SIZE_PX[1], 60.0)


def random_params(rng: np.random.Generator, shape: HandShape | None = None) -> HandParams:
    """A random plausible hand: angles in the middle 70 % of each range, palm towards the camera
    within about 35°, wrist 0.35–0.7 m deep and within ±0.08 m of the optical axis.

    Args:
        rng: random generator (consumed).
        shape: the hand's shape; drawn with ``HandShape.sample`` when None.
    """
    span = ANGLE_HIGH - ANGLE_LOW
    angles = ANGLE_LOW + span * rng.uniform(0.15, 0.85, size=(5, 4))
    facing = np.diag([1.0, -1.0, -1.0])
    tilt = rotvec_to_matrix(rng.normal(0.0, 0.35, size=3))
    shape = HandShape.sample(rng) if shape is None else shape
    trans = np.array([rng.uniform(-0.08, 0.08), rng.uniform(-0.05, 0.1), rng.uniform(0.35, 0.7)])
    return HandParams(angles, bone_scale_of(shape), matrix_to_rotvec(tilt @ facing), trans)


def render_silhouette(params: HandParams, side: Side, intrinsics: Intrinsics,
                      cell_px: float = 2.0) -> Silhouette:
    """Rasterise the hand's projected capsules on a grid of ``cell_px`` frame pixels per cell.

    Returns:
        A :class:`Silhouette` covering :data:`IMAGE_SIZE_PX` (``mask_to_frame`` = scale by
        ``cell_px``).
    """
    theta = params.to_vector()[None]
    caps = hand_capsules(joints_cam_batch(theta, side), theta[:, BONE_SCALE.start])
    a = project(caps.start_m, intrinsics)[0] / cell_px
    b = project(caps.end_m, intrinsics)[0] / cell_px
    depth = 0.5 * (caps.start_m[0, :, 2] + caps.end_m[0, :, 2])
    radius = intrinsics.focal_px * caps.radius_m[0] / depth / cell_px
    w, h = int(np.ceil(IMAGE_SIZE_PX[0] / cell_px)), int(np.ceil(IMAGE_SIZE_PX[1] / cell_px))
    img = np.zeros((h, w), np.uint8)
    shift = 4  # sub-pixel precision of the cv2 drawing calls
    for p, q, r in zip(a, b, radius):
        p_i, q_i = tuple(np.round(p * 16).astype(int)), tuple(np.round(q * 16).astype(int))
        thick = max(int(round(2 * r)), 1)
        cv2.line(img, p_i, q_i, 1, thickness=thick, lineType=cv2.LINE_8, shift=shift)
        for c in (p_i, q_i):
            cv2.circle(img, c, int(round(r * 16)), 1, thickness=-1, shift=shift)
    affine = np.array([[cell_px, 0.0, 0.0], [0.0, cell_px, 0.0]])
    return Silhouette(img.astype(bool), affine)


def evidence_of(params: HandParams, side: Side, intrinsics: Intrinsics, rng: np.random.Generator,
                noise_px: float, prior_noise_m: float | None,
                with_silhouette: bool) -> FitEvidence:
    """Evidence generated from ``params``: projected joints + N(0, noise_px²) per coordinate,
    unit weights, the wrist-relative joints + N(0, prior_noise_m²) (None: no prior), and the
    rendered silhouette when asked."""
    joints = joints_cam_batch(params.to_vector(), side)[0]
    px = project(joints, intrinsics) + rng.normal(0.0, noise_px, size=(NUM_JOINTS, 2))
    prior = None
    if prior_noise_m is not None:
        prior = joints - joints[0] + rng.normal(0.0, prior_noise_m, size=(NUM_JOINTS, 3))
        prior[0] = 0.0
    sil = render_silhouette(params, side, intrinsics) if with_silhouette else None
    return FitEvidence(px, np.ones(NUM_JOINTS), prior, sil)


def moving_sequence(rng: np.random.Generator, frames: int, shape: HandShape | None = None) -> list[HandParams]:
    """``frames`` parameters interpolated smoothly (cosine ease) between two random poses of one
    hand shape (bone scales constant)."""
    shape = HandShape.sample(rng) if shape is None else shape
    a, b = random_params(rng, shape).to_vector(), random_params(rng, shape).to_vector()
    out = []
    for k in range(frames):
        s = 0.5 - 0.5 * np.cos(np.pi * k / max(frames - 1, 1))
        v = (1 - s) * a + s * b
        out.append(HandParams(v[:20].reshape(5, 4), v[20:28], v[28:31], v[31:34]))
    return out
