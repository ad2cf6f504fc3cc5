"""What the model fitter is given of one hand: the frame's evidence as a
:class:`~hdr_live.fitting.evidence.FitEvidence`.

- 2D joints: SHPE's, weighted by visibility and confidence: a joint on its own hand's visible
  mask weighs the hand's presence score, a hidden one :data:`HIDDEN_JOINT_WEIGHT` of it (SHPE
  saw the hand de-occluded by HDRM, so a hidden joint's estimate still carries information, but
  less; Baek et al. weigh 2D evidence by its confidence in the same way).
- the silhouette: HASM's amodal mask of the hand, sampled on a small square grid around it
  (:data:`SILHOUETTE_GRID_PX`), never at frame size.
- the lifted pose (wrist-relative metres) as a 3D prior.
"""

from __future__ import annotations

import numpy as np

from hdr_live.fitting.evidence import FitEvidence, Silhouette
from hdr_live.geometry import Roi, crop_affine
from hdr_live.joints import NUM_JOINTS, Side
from hdr_live.types import HandMasks, HandPose

#: A hidden joint's 2D weight relative to a visible one's.
HIDDEN_JOINT_WEIGHT = 0.3
#: Side of the grid the amodal mask is sampled on for the silhouette term, pixels.
SILHOUETTE_GRID_PX = 64
#: The grid spans the amodal mask's box enlarged by this factor (room for the model to move).
SILHOUETTE_MARGIN = 1.3

_AMODAL_PLANE = {Side.RIGHT: 0, Side.LEFT: 2}


def silhouette(masks: HandMasks, side: Side) -> Silhouette | None:
    """``side``'s amodal mask on a :data:`SILHOUETTE_GRID_PX` square grid around it.

    Returns:
        The :class:`Silhouette` (mask (n, n) bool, grid→frame affine), or None when the mask
        is empty.
    """
    box = masks.amodal_box(side)
    if box is None:
        return None
    side_px = SILHOUETTE_MARGIN * max(box.width, box.height, 8.0)
    grid_to_frame = crop_affine(Roi(box.center, side_px), SILHOUETTE_GRID_PX)
    mask = masks.in_crop(grid_to_frame, SILHOUETTE_GRID_PX)[_AMODAL_PLANE[side]]
    return Silhouette(mask=mask, mask_to_frame=grid_to_frame) if mask.any() else None


def observed_evidence(pose: HandPose, masks: HandMasks) -> FitEvidence:
    """The evidence of a hand SHPE posed in this frame (see the module docstring)."""
    weight = pose.score * np.where(pose.visible, 1.0, HIDDEN_JOINT_WEIGHT)
    finite = np.isfinite(pose.joints_px).all(axis=1)
    return FitEvidence(
        joints_px=np.where(finite[:, None], pose.joints_px, 0.0),
        joint_weight=np.where(finite, weight, 0.0).astype(np.float64),
        prior_rel_m=pose.lifted_rel_m,
        silhouette=silhouette(masks, pose.side),
    )


def hidden_evidence(side: Side, masks: HandMasks) -> FitEvidence:
    """The evidence of a hand no network posed in this frame: its silhouette, if HASM still
    sees some of it (fingertips, the arm), and nothing else."""
    return FitEvidence(joints_px=None, joint_weight=np.zeros(NUM_JOINTS),
                       prior_rel_m=None, silhouette=silhouette(masks, side))
