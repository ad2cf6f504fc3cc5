"""What the model fitter is given of one hand: the frame's evidence as a
:class:`~hdr_live.fitting.evidence.FitEvidence`.

- 2D joints: SHPE's, weighted by visibility and confidence: a joint on its own hand's visible
  mask weighs the hand's presence score, a hidden one :data:`HIDDEN_JOINT_WEIGHT` of it (SHPE
  saw the hand de-occluded by HDRM, so a hidden joint's estimate still carries information, but
  less; Baek et al. weigh 2D evidence by its confidence in the same way).
- the silhouette: HASM's amodal mask of the hand, sampled on a small square grid around it
  (:data:`SILHOUETTE_GRID_PX`), never at frame size; for a hidden hand, what hides it
  (:func:`hidden_evidence`).
- a 3D prior (wrist-relative metres): the lifted pose, or SHPE's own wrist-relative joints when
  lifting is off (2D alone leaves a hand's depth ambiguous: a fit without a prior can flip).
"""

from __future__ import annotations

import numpy as np

from hdr_live.fitting.evidence import FitEvidence, Silhouette
from hdr_live.geometry import Roi, crop_affine
from hdr_live.hand_masks import mask_plane
from hdr_live.joints import NUM_JOINTS, Side
from hdr_live.types import HandMasks, HandPose

#: A hidden joint's 2D weight relative to a visible one's.
HIDDEN_JOINT_WEIGHT = 0.3
#: Side of the grid the amodal mask is sampled on for the silhouette term, pixels.
SILHOUETTE_GRID_PX = 64
#: The grid spans the amodal mask's box enlarged by this factor (room for the model to move).
SILHOUETTE_MARGIN = 1.3

#: A hidden hand's occluder region spans its last joints' box enlarged by this factor.
OCCLUDER_MARGIN = 2.0



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
    mask = masks.in_crop(grid_to_frame, SILHOUETTE_GRID_PX)[mask_plane(side, visible=False)]
    return Silhouette(mask=mask, mask_to_frame=grid_to_frame) if mask.any() else None


def _finite_or_none(joints: np.ndarray | None) -> np.ndarray | None:
    return joints if joints is not None and np.isfinite(joints).all() else None


def observed_evidence(pose: HandPose, masks: HandMasks, with_silhouette: bool = True) -> FitEvidence:
    """The evidence of a hand SHPE posed in this frame (see the module docstring); without
    its silhouette when ``with_silhouette`` is False (the cheaper live fit)."""
    weight = pose.score * np.where(pose.visible, 1.0, HIDDEN_JOINT_WEIGHT)
    finite = np.isfinite(pose.joints_px).all(axis=1)
    return FitEvidence(
        joints_px=np.where(finite[:, None], pose.joints_px, 0.0),
        joint_weight=np.where(finite, weight, 0.0).astype(np.float64),
        prior_rel_m=_finite_or_none(pose.joints_rel_m if pose.lifted_rel_m is None
                                    else pose.lifted_rel_m),
        silhouette=silhouette(masks, pose.side) if with_silhouette else None,
    )


def hidden_evidence(side: Side, masks: HandMasks, last_px: np.ndarray | None,
                    wrist_anchor_px: np.ndarray | None = None) -> FitEvidence:
    """The evidence of a hand no network posed in this frame: what hides it.

    A hand that is hidden must lie behind something: the other hand and its forearm (HASM's
    visible mask of the other side, which covers the forearm), or show only where its own
    visible mask still shows it (fingertips). That union, sampled on a grid around the hand's
    last joints ``last_px`` ((21, 2) frame pixels), is an *occluder* silhouette
    (``cover=False``): the fitted hand is kept inside it, and otherwise moved by the fitter's
    motion model and kept out of the other hand.

    The hand's own amodal mask is left out on purpose: while a hand is hidden, HASM's amodal
    mask of it follows the tracker's coasting prior (its last joints), so it would only feed
    the estimate back to itself.

    With ``wrist_anchor_px`` ((2,) frame pixels: where the body puts the hand's wrist, at the
    end of its arm) the fitter moves the inferred hand there at its predicted depth
    (:attr:`~hdr_live.fitting.evidence.FitEvidence.wrist_anchor_px`) and the occluder grid is
    centred on the last joints moved there, so the inferred hand stays at its own arm instead
    of drifting onto the other hand.
    """
    anchored = wrist_anchor_px is not None and np.isfinite(wrist_anchor_px).all()
    if anchored and last_px is not None and np.isfinite(last_px).all():
        last_px = last_px - last_px[0] + wrist_anchor_px
    occluder = None
    if last_px is not None and np.isfinite(last_px).all():
        lo, hi = last_px.min(axis=0), last_px.max(axis=0)
        side_px = OCCLUDER_MARGIN * max(float((hi - lo).max()), 8.0)
        grid_to_frame = crop_affine(Roi(tuple((lo + hi) / 2.0), side_px), SILHOUETTE_GRID_PX)
        planes = masks.in_crop(grid_to_frame, SILHOUETTE_GRID_PX)
        mask = planes[mask_plane(side.other, visible=True)] | planes[mask_plane(side, visible=True)]
        if mask.any():
            occluder = Silhouette(mask=mask, mask_to_frame=grid_to_frame, cover=False)
    return FitEvidence(joints_px=None, joint_weight=np.zeros(NUM_JOINTS),
                       prior_rel_m=None, silhouette=occluder,
                       wrist_anchor_px=np.asarray(wrist_anchor_px, np.float64) if anchored
                       else None)
