"""Test-time fitting of the parametric hand to each frame's evidence, both hands, over time.

In the spirit of Baek et al., "Pushing the envelope for RGB-based dense 3D hand pose estimation
via neural rendering", CVPR 2019 (§3.3: the hand model is refined at test time by minimising
2D keypoint, silhouette and 3D-pose energies): per frame and hand, a bounded Levenberg–Marquardt
fit (:mod:`.lm`) of :class:`~hdr_live.hand_model.kinematics.HandParams` to the 2D joints, the
amodal silhouette, the lifted 3D pose, the previous fit (warm start and temporal term) and the
other hand (no interpenetration; the hands are fitted one after the other, the other fixed:
hands with 2D evidence first, right before left, then hidden ones).

Hidden hands: a side without 2D evidence that had a fit within ``max_hidden_s`` is moved by the
damped constant-velocity model of :mod:`.track` and refined with the evidence left (silhouette,
prior, the other hand, the temporal term), its depth held at the motion model's (nothing
observes it; an occluder silhouette would otherwise push the hand away to shrink it into the
mask): ``inferred=True``. Later it is dropped.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.fitting.evidence import FitEvidence
from hdr_live.fitting.init import initial_theta
from hdr_live.fitting.lm import solve
from hdr_live.fitting.options import FitOptions
from hdr_live.fitting.problem import HandProblem, candidates_for, capsules_at, fd_steps, pairs_for
from hdr_live.fitting.silhouette import silhouette_field
from hdr_live.fitting.track import ShapeState, TrackState, predict, updated_velocity
from hdr_live.camera import MIN_DEPTH_M, Intrinsics, backproject, project
from hdr_live.hand_model.capsules import Capsules, hand_capsules
from hdr_live.hand_model.kinematics import (BONE_SCALE, NUM_PARAMS, TRANS, HandParams, joints_cam_batch,
                                            param_bounds, unpack)
from hdr_live.joints import NUM_JOINTS, Side
from hdr_live.types import Hands

#: Frame interval the temporal scales refer to, seconds; longer gaps widen them linearly.
NOMINAL_FRAME_S = 1.0 / 30.0
#: A solve longer than this many iterations is split, and the capsule pairs and silhouette
#: coverage candidates (chosen at the start of each part) are refreshed between the parts.
REFRESH_ITERATIONS = 8
#: Largest widening of the temporal scales for a long gap, dimensionless.
MAX_TEMPORAL_WIDENING = 10.0


@dataclasses.dataclass(frozen=True)
class HandFit:
    """The fitted model of one hand in one frame.

    Attributes:
        params: the fitted parameters (angles inside the limits).
        joints_cam_m: (21, 3) float64 joints, camera axes, metres.
        joints_px: (21, 2) float64 joints projected to frame pixels.
        cost: final Σ r² of the fit (dimensionless; terms normalised by their σ).
        iterations: LM iterations run.
        inferred: True when the frame had no 2D evidence for this hand (motion model + what
            evidence remained).
        age_s: seconds since the last frame with 2D evidence for this hand (0 when seen).
    """

    params: HandParams
    joints_cam_m: np.ndarray
    joints_px: np.ndarray
    cost: float
    iterations: int
    inferred: bool
    age_s: float


class HandFitter:
    """Fits both hands frame by frame; keeps per-side tracks and the frozen hand shape.

    Args:
        options: the fitter settings.
    """

    def __init__(self, options: FitOptions) -> None:
        self._options = options
        self._low, self._high = param_bounds()
        self._steps = fd_steps()
        self._tracks: dict[Side, TrackState] = {}
        self._shapes: dict[Side, ShapeState] = {}

    def reset(self) -> None:
        """Forget all tracks and shapes (a new sequence / person starts)."""
        self._tracks = {}
        self._shapes = {}

    def forget(self, side: Side) -> None:
        """End ``side``'s track (the hand was not there: nothing to infer); its shape stays."""
        self._tracks.pop(side, None)

    def fit(self, evidence: Hands[FitEvidence], intrinsics: Intrinsics, t_s: float) -> Hands[HandFit]:
        """Fit the hands of one frame.

        Args:
            evidence: per side, the frame's evidence (a side may be absent).
            intrinsics: the frame camera.
            t_s: the frame time, seconds (non-decreasing within a sequence).

        Returns:
            Per side a :class:`HandFit`; a side is absent when it has no 2D evidence and no fit
            within ``options.max_hidden_s``.
        """
        seen, hidden = [], []
        for side in (Side.RIGHT, Side.LEFT):
            ev, state = evidence.get(side), self._tracks.get(side)
            if ev is not None and ev.has_2d:
                seen.append(side)
            elif state is not None and t_s - state.t_evidence_s <= self._options.max_hidden_s:
                hidden.append(side)
            else:
                self._tracks.pop(side, None)
        fits: dict[Side, HandFit] = {}
        for side in seen + hidden:
            other = self._other_capsules(side.other, fits, seen + hidden, t_s)
            fits[side] = self._fit_side(side, evidence.get(side), intrinsics, t_s, other,
                                        side in hidden)
        return Hands(left=fits.get(Side.LEFT), right=fits.get(Side.RIGHT))

    def _other_capsules(self, other: Side, fits: dict[Side, HandFit], active: list[Side],
                        t_s: float) -> Capsules | None:
        if other in fits:
            fit = fits[other]
            return hand_capsules(fit.joints_cam_m[None], fit.params.bone_scale[None, 0])
        state = self._tracks.get(other)
        if other not in active or state is None:
            return None
        return capsules_at(predict(state, t_s, self._options.hidden_velocity_decay_s)[0], other)

    def _fit_side(self, side: Side, ev: FitEvidence | None, intrinsics: Intrinsics, t_s: float,
                  other: Capsules | None, inferred: bool) -> HandFit:
        o = self._options
        state = self._tracks.get(side)
        shape = self._shapes.get(side, ShapeState())
        free = np.ones(NUM_PARAMS, dtype=bool)
        if inferred or shape.frozen is not None:
            free[BONE_SCALE] = False
        if inferred:  # a hidden hand's depth is not observed: motion model or occluder
            free[TRANS.stop - 1] = False
        if inferred:
            x0, velocity = predict(state, t_s, o.hidden_velocity_decay_s)
            if ev is not None and ev.wrist_anchor_px is not None:
                x0 = _wrist_moved_to(x0, side, ev.wrist_anchor_px, intrinsics)
                free[TRANS.start:TRANS.start + 2] = False  # the wrist stays at its arm
            x0 = _behind_occluder(x0, ev, other, o.hidden_behind_m)
            target, widen, iterations = x0, 1.0, o.iterations
        elif state is not None and t_s - state.t_s <= o.max_hidden_s:
            x0, target, iterations = state.theta.copy(), state.theta, o.iterations
            widen = float(np.clip((t_s - state.t_s) / NOMINAL_FRAME_S, 1.0, MAX_TEMPORAL_WIDENING))
        else:
            x0 = initial_theta(ev, intrinsics, side, shape.current())
            target, widen, iterations = None, 1.0, o.init_iterations
        if shape.frozen is not None:
            x0[BONE_SCALE] = shape.frozen
        has_2d = ev is not None and ev.has_2d
        field = None
        if ev is not None and ev.silhouette is not None:
            field = silhouette_field(ev.silhouette, o.silhouette_samples)
        caps0 = capsules_at(x0, side)
        problem = HandProblem(
            side=side, intrinsics=intrinsics, options=o,
            target_px=ev.joints_px if has_2d else None,
            weight=ev.joint_weight if has_2d else np.zeros(NUM_JOINTS),
            prior_rel_m=None if ev is None else ev.prior_rel_m, field=field,
            temporal_target=target, temporal_scale=widen, other=other,
            pairs=pairs_for(caps0, other), shape_free=bool(free[BONE_SCALE].any()),
            cover_candidates=candidates_for(caps0, field, intrinsics))
        if inferred and field is None and problem.prior_rel_m is None and not problem.pairs[0].size:
            iterations = 0  # nothing but the motion model: keep the prediction
        x, cost, done = x0, 0.0, 0
        while True:  # long solves refresh the near capsule pairs and coverage candidates
            chunk = min(iterations - done, REFRESH_ITERATIONS)
            result = solve(problem.residuals, x, free, self._low, self._high, self._steps, chunk)
            x, cost, done = result.x, result.cost, done + result.iterations
            if result.iterations < chunk or done >= iterations:
                break
            caps = capsules_at(x, side)
            problem = dataclasses.replace(problem, pairs=pairs_for(caps, other),
                                          cover_candidates=candidates_for(caps, field, intrinsics))
        if inferred:
            self._tracks[side] = TrackState(x, velocity, t_s, state.t_evidence_s)
        else:
            v = updated_velocity(state, x, t_s, o.max_hidden_s)
            self._tracks[side] = TrackState(x, v, t_s, t_s)
            if float(ev.joint_weight.mean()) >= o.shape_min_weight:
                self._shapes[side] = shape.with_sample(x[BONE_SCALE], o.shape_frames)
        joints = joints_cam_batch(x[None], side)[0]
        age = t_s - self._tracks[side].t_evidence_s
        return HandFit(params=unpack(x), joints_cam_m=joints, joints_px=project(joints, intrinsics),
                       cost=cost, iterations=done, inferred=inferred,
                       age_s=float(age))


def _wrist_moved_to(theta: np.ndarray, side: Side, wrist_px: np.ndarray,
                    intrinsics: Intrinsics) -> np.ndarray:
    """``theta`` translated in x and y so that its wrist projects at ``wrist_px`` (frame
    pixels) at the same depth (:func:`hdr_live.camera.backproject`)."""
    wrist = joints_cam_batch(theta[None], side)[0][0]
    want = backproject(wrist_px, max(float(wrist[2]), MIN_DEPTH_M), intrinsics)
    moved = theta.copy()
    moved[TRANS.start:TRANS.start + 2] += want[:2] - wrist[:2]
    return moved


def _behind_occluder(theta: np.ndarray, ev: FitEvidence | None, other: Capsules | None,
                     behind_m: float) -> np.ndarray:
    """A hidden hand hidden by the other hand (its evidence is an occluder silhouette,
    ``cover`` False, and the other hand is fitted) placed just behind it: its wrist moved along
    its viewing ray (its image position kept) to the other hand's median capsule depth plus
    ``behind_m``. Interacting hands that hide one another touch; the motion model alone would
    carry the depth of the last, unreliable frames before it vanished. Else ``theta``."""
    if ev is None or ev.silhouette is None or ev.silhouette.cover or other is None:
        return theta
    depth = float(np.median(0.5 * (other.start_m[0, :, 2] + other.end_m[0, :, 2]))) + behind_m
    out = theta.copy()
    z = out[TRANS.stop - 1]
    if z > 1e-6 and depth > 1e-3:
        out[TRANS] = out[TRANS] * (depth / z)
    return out
