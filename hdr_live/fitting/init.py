"""Initial parameters of a hand without a previous fit, from the frame's evidence.

- Joint angles: a mild neutral flexion (inside the limits, away from the hyper-extension stops).
- Global rotation: the Kabsch rotation (Kabsch 1976) of the model's palm joints (wrist, thumb
  CMC, the four MCPs; mirrored for a left hand) onto the lifted prior's palm joints; without a
  prior, palm towards the camera with fingers up, turned in the image plane so that the model's
  wrist → middle-MCP direction matches the 2D one.
- Depth: weak perspective, ``z = f · L_m / L_px`` with L the summed x-y bone lengths of the
  3D hand (prior, or the rotated model) and the summed 2D bone lengths of the weighted joints,
  taken at the hand's centroid; the wrist is back-projected (pinhole, :mod:`..camera`).
"""

from __future__ import annotations

import numpy as np

from hdr_live.fitting.evidence import FitEvidence
from hdr_live.hand_model.articulation import rot_z
from hdr_live.camera import Intrinsics, backproject
from hdr_live.hand_model.kinematics import (ANGLES, BONE_SCALE, MIN_WRIST_DEPTH_M, NUM_PARAMS,
                                            ROT, TRANS, hand_to_cam_batch, joints_hand_batch)
from hdr_live.hand_model.rotation import kabsch, matrix_to_rotvec
from hdr_live.joints import BONES, PALM_POLYGON, Joint, Side

#: Neutral starting angles per finger [base_flex, base_abd, mid_flex, dist_flex], degrees.
NEUTRAL_ANGLES_DEG = np.array([10.0, 0.0, 10.0, 5.0])
#: Palm towards the camera (hand +z → camera −z), fingers up (hand +y → camera −y).
_FACING = np.diag([1.0, -1.0, -1.0])
_BONES = np.array(BONES)


def _rotation(rest_cam_axes: np.ndarray, ev: FitEvidence) -> np.ndarray:
    """Hand → camera rotation (applied after the side's mirror)."""
    palm = list(PALM_POLYGON)
    if ev.prior_rel_m is not None:
        return kabsch(rest_cam_axes[palm], ev.prior_rel_m[palm])
    model = (_FACING @ rest_cam_axes[Joint.MIDDLE_MCP])[:2]
    seen = ev.joints_px[Joint.MIDDLE_MCP] - ev.joints_px[Joint.WRIST]
    turn = np.arctan2(seen[1], seen[0]) - np.arctan2(model[1], model[0])
    return rot_z(float(np.degrees(turn))) @ _FACING


def initial_theta(ev: FitEvidence, intrinsics: Intrinsics, side: Side,
                  bone_scale: np.ndarray) -> np.ndarray:
    """Starting parameter vector for a hand seen without a previous fit.

    Args:
        ev: the evidence; needs 2D joints (``ev.has_2d``).
        intrinsics: the camera.
        side: the person's hand.
        bone_scale: (8,) float64 bone-scale factors to start from (frozen or running shape).

    Returns:
        (NUM_PARAMS,) float64 parameter vector inside the bounds.

    Raises:
        ValueError: the evidence has no 2D joints.
    """
    if not ev.has_2d:
        raise ValueError("initial_theta needs 2D joint evidence")
    theta = np.zeros(NUM_PARAMS)
    theta[ANGLES] = np.tile(NEUTRAL_ANGLES_DEG, 5)
    theta[BONE_SCALE] = bone_scale
    rest = joints_hand_batch(theta[None])
    rest_cam_axes = hand_to_cam_batch(rest, theta[None], side)[0]  # mirrored, no rotation
    rot = _rotation(rest_cam_axes, ev)
    theta[ROT] = matrix_to_rotvec(rot)
    rel = ev.prior_rel_m if ev.prior_rel_m is not None else rest_cam_axes @ rot.T
    w = ev.joint_weight
    use = (w[_BONES[:, 0]] > 0) & (w[_BONES[:, 1]] > 0)
    bones = _BONES[use] if use.any() else _BONES
    len_px = np.linalg.norm(ev.joints_px[bones[:, 1]] - ev.joints_px[bones[:, 0]], axis=1).sum()
    len_m = np.linalg.norm(rel[bones[:, 1], :2] - rel[bones[:, 0], :2], axis=1).sum()
    depth_c = intrinsics.focal_px * len_m / max(len_px, 1e-6)
    wn = w / w.sum()
    centroid_px = wn @ ev.joints_px
    centroid_rel = wn @ rel
    wrist = backproject(centroid_px, depth_c, intrinsics) - centroid_rel
    wrist[2] = max(wrist[2], MIN_WRIST_DEPTH_M)
    theta[TRANS] = wrist
    return theta
