"""The 3D stage: lifting per hand, then one model fit of both hands in the camera frame.

Per frame, after SHPE (a frame's path: HASM → HDRM → SHPE → 3D):

1. :meth:`ThreeD.lift` (per hand, on the hand's own thread): SHPE's joints and wrist-relative
   world joints, in the HDRM crop's axes, with the per-joint visibility go into PSJNet + EN
   (Ishii et al., :mod:`hdr_live.lift`), which gives refined 2D and the relative depth
   d_i = (z_i − z_root)/s (their eq. 1); the camera-frame pose follows from the focal length,
   the keybone length s (:data:`KEYBONE_M`) and the mean hand's size
   (:data:`MEAN_BONE_SUM_M`), and is kept wrist-relative as ``HandPose.lifted_rel_m``.
2. :meth:`ThreeD.fit` (both hands): the parametric hand model is fitted to the 2D joints, the
   amodal silhouettes and the lifted prior, warm-started from the previous frame, the two hands
   kept apart (:mod:`hdr_live.fitting`); each hand gets ``joints_cam_m``. A hand that was
   tracked and is now posed by no network keeps an *inferred* fit for up to
   ``max_hidden_s``: a pose with ``inferred`` True, ``visible`` only where its joints fall on
   its visible mask, and a score that decays from half its last observed score to 0.

:meth:`lift` keeps no state (the two hands call it at once); :meth:`fit` is called in frame
order from one thread and keeps the sequence's state (the fitter's tracks, each hand's last
score and joints).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.fitting.fitter import HandFit, HandFitter
from hdr_live.geometry import affine_rotation, apply_affine
from hdr_live.camera import Intrinsics
from hdr_live.hand_model.skeleton import SEGMENT_LENGTHS_M, HandShape, rest_skeleton
from hdr_live.joints import Side
from hdr_live.lift.lifter import Lifter
from hdr_live.metrics3d import bone_lengths_mm
from hdr_live.lift.reconstruct import reconstruct_by_size_m
from hdr_live.stages.shpe.interface import frame_to_crop_points
from hdr_live.threed.evidence import hidden_evidence, observed_evidence
from hdr_live.types import Frame, HandCrop, HandMasks, HandPose, Hands

#: The keybone s of seed 003's eq. 1 (middle finger MCP→PIP) of the model's mean hand, metres:
#: it fixes the lifted pose's metric scale.
KEYBONE_M = float(SEGMENT_LENGTHS_M[2, 0])


def _bone_sum_m(shape: HandShape) -> float:
    return float(bone_lengths_mm(rest_skeleton(shape).joints() * shape.scale).sum()) / 1000.0


#: The summed length of the 20 bones of the model's mean hand, metres: the lifted pose is
#: placed at the depth where its hand has this size (one keybone alone is too fragile under
#: occlusion, :mod:`hdr_live.lift.reconstruct`).
MEAN_BONE_SUM_M = _bone_sum_m(HandShape())
#: An inferred hand's score starts at this share of its last observed score.
INFERRED_SCORE_SHARE = 0.5


class ThreeD:
    """Lifting and model fitting after SHPE (see the module docstring)."""

    def __init__(self, lifter: Lifter | None, fitter: HandFitter | None,
                 focal_px: float | None = None, tracks: bool = True,
                 infer_hidden: bool = True, max_hidden_s: float = 1.0,
                 principal_px: tuple[float, float] | None = None,
                 silhouettes: bool = True) -> None:
        """Args:
            lifter: the lifting network, or None (no ``lifted_rel_m``).
            fitter: the hand-model fitter, or None (no ``joints_cam_m``, no inferred hands).
            focal_px: the focal length in pixels, or None for
                :meth:`~hdr_live.camera.Intrinsics.guess` of each frame.
            tracks: frames are a sequence (else each frame is fitted afresh).
            infer_hidden: keep an inferred estimate of a hidden tracked hand (sequences only).
            max_hidden_s: how long an inferred hand's score takes to decay to 0, seconds.
            principal_px: the principal point (cx, cy) in pixels, or None for the image
                centre.
            silhouettes: fit seen hands to their amodal silhouettes too.
        """
        self._lifter, self._fitter = lifter, fitter
        self._focal_px, self._principal_px, self._tracks = focal_px, principal_px, tracks
        self._infer_hidden = infer_hidden and tracks
        self._max_hidden_s = max_hidden_s
        self._silhouettes = silhouettes
        self._last_score: dict[Side, float] = {}
        self._last_px: dict[Side, np.ndarray] = {}
        parts = (["lift PSJNet+EN"] if lifter is not None else []) + (
            ["hand-model fit"] if fitter is not None else [])
        self.name = " + ".join(parts) or "off"

    def intrinsics(self, frame: Frame) -> Intrinsics:
        """The pinhole camera of ``frame`` (the given focal length or the guess)."""
        cam = Intrinsics.guess(frame.height, frame.width, self._focal_px)
        if self._principal_px is None:
            return cam
        return Intrinsics(cam.focal_px, *self._principal_px)

    def lift(self, frame: Frame, crop: HandCrop, pose: HandPose) -> HandPose:
        """``pose`` with ``lifted_rel_m`` (21, 3) float64 wrist-relative metres, camera axes
        (unchanged without a lifter). Safe to call for the two hands at once."""
        if self._lifter is None:
            return pose
        if not (np.isfinite(pose.joints_px).all() and np.isfinite(pose.joints_rel_m).all()):
            return pose  # nothing to lift from
        rot = affine_rotation(crop.crop_to_frame)  # crop axes → frame axes (mirror included)
        world_crop = pose.joints_rel_m.copy()
        world_crop[:, :2] = pose.joints_rel_m[:, :2] @ rot  # the inverse of SHPE's to_frame
        lifted = self._lifter.lift(frame_to_crop_points(crop, pose.joints_px), pose.visible,
                                   world_crop, crop.size_px)
        joints_px = apply_affine(crop.crop_to_frame, lifted.joints_crop_px)
        if not (np.isfinite(joints_px).all() and np.isfinite(lifted.rel_depth).all()):
            return pose
        cam = self.intrinsics(frame)
        joints_cam = reconstruct_by_size_m(joints_px, lifted.rel_depth, KEYBONE_M,
                                           MEAN_BONE_SUM_M, cam.focal_px, cam.cx_px, cam.cy_px)
        return dataclasses.replace(pose, lifted_rel_m=joints_cam - joints_cam[0])

    def fit(self, frame: Frame, masks: HandMasks, poses: Hands[HandPose],
            wrist_anchors_px: Hands[np.ndarray] = Hands(),
            gone: frozenset[Side] = frozenset()) -> Hands[HandPose]:
        """The poses with ``joints_cam_m`` from one fit of both hands, plus inferred hidden
        hands (see the module docstring); unchanged without a fitter.

        Args:
            frame, masks, poses: the frame, HASM's masks and SHPE's poses.
            wrist_anchors_px: per hidden side, (2,) float64 frame pixels where the body puts its
                wrist (the end of its arm); the inferred hand is pulled there.
            gone: sides known not to be in view (a pose dropped as the other hand seen twice):
                their tracks end and no hand is inferred for them until they are posed again.
        """
        if self._fitter is None:
            return poses
        if not self._tracks:
            self._fitter.reset()
        for side in gone:
            self._fitter.forget(side)
            self._last_score.pop(side, None)
            self._last_px.pop(side, None)
        for side, pose in poses.items():
            self._last_score[side] = pose.score

        def evidence(side: Side):
            pose = poses.get(side)
            if pose is not None:
                return observed_evidence(pose, masks, self._silhouettes)
            return (hidden_evidence(side, masks, self._last_px.get(side),
                                    wrist_anchors_px.get(side)) if self._infer_hidden
                    else None)

        fits = self._fitter.fit(Hands.of(evidence), self.intrinsics(frame), frame.t_capture_s)
        out = Hands.of(lambda side: self._pose(side, poses.get(side), fits.get(side), masks))
        self._last_px = {side: pose.joints_px for side, pose in out.items()}
        return out

    def _pose(self, side: Side, pose: HandPose | None, fit: HandFit | None,
              masks: HandMasks) -> HandPose | None:
        if fit is None:
            return pose
        if pose is not None:
            return dataclasses.replace(pose, joints_cam_m=fit.joints_cam_m)
        if not (self._infer_hidden and fit.inferred and side in self._last_score):
            return None
        decay = max(0.0, 1.0 - fit.age_s / self._max_hidden_s)
        score = INFERRED_SCORE_SHARE * self._last_score[side] * decay
        if score <= 0.0:
            return None
        rel = fit.joints_cam_m - fit.joints_cam_m[0]
        return HandPose(side, fit.joints_px.copy(), rel, masks.visible_at(side, fit.joints_px),
                        float(np.clip(score, 0.0, 1.0)), joints_cam_m=fit.joints_cam_m,
                        inferred=True)

    def reset(self) -> None:
        """Start a new sequence (forget the fits, the frozen shapes, the last scores)."""
        self._last_score.clear()
        self._last_px.clear()
        if self._fitter is not None:
            self._fitter.reset()
