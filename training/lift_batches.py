"""Training / evaluation batches of the lifter and its held-out metrics (seed 003 §3).

A batch pairs clean hands (:class:`training.lift_data.CleanHands`) with SHPE-like inputs:
synthetic (occluder visibility + :func:`training.lift_degrade.degrade` at a per-hand severity
exp(N(0, 0.5)) clipped to [0.2, 3]) or the real SHPE's recorded outputs on synthetic crops
(:class:`training.shpe_errors.ShpeRecords`, mixed in at ``real_share``).

Metric (paper §3.1 protocol: keybone length, root depth and intrinsics known): root-aligned
MPJPE in mm over all 21 joints, split into small (≤ 10 occluded joints) and severe (> 10).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.lift.features import LiftInputs, normalise
from hdr_live.lift.reconstruct import backproject_m
from training.lift_data import CROP_PX, CleanHands, occlude
from training.lift_degrade import ErrorModel, degrade
from training.shpe_errors import ShpeRecords

SEVERE_OCCLUDED = 10


@dataclasses.dataclass(frozen=True)
class LiftBatch:
    """Inputs and truth of B hands.

    Attributes:
        truth: the clean hands. visible: (B, 21) bool. shpe_px: (B, 21, 2) crop px.
        shpe_rel_m: (B, 21, 3) metres. inputs: the normalised network inputs.
    """

    truth: CleanHands
    visible: np.ndarray
    shpe_px: np.ndarray
    shpe_rel_m: np.ndarray
    inputs: LiftInputs

    @property
    def target_q(self) -> np.ndarray:
        """(B, 21, 2) float32 GT 2D in the inputs' normalisation."""
        return ((self.truth.joints_px - self.inputs.centre_px[:, None])
                / self.inputs.spread_px[:, None, None]).astype(np.float32)


def _batch(truth: CleanHands, visible, shpe_px, shpe_rel_m) -> LiftBatch:
    return LiftBatch(truth, visible, shpe_px, shpe_rel_m, normalise(shpe_px, visible, shpe_rel_m, CROP_PX))


def synthetic_batch(truth: CleanHands, model: ErrorModel, rng: np.random.Generator) -> LiftBatch:
    """Occlude and degrade ``truth`` (module docstring)."""
    vis = occlude(truth.joints_px, rng)
    sev = np.clip(np.exp(rng.normal(0, 0.5, len(vis))), 0.2, 3.0)
    px, rel = degrade(model, truth.joints_px, truth.rel_m, vis, sev, rng)
    return _batch(truth, vis, px, rel)


def records_truth(rec: ShpeRecords) -> CleanHands:
    """The recorded hands' truth as :class:`CleanHands`."""
    key = np.linalg.norm(rec.gt_rel_m[:, 10] - rec.gt_rel_m[:, 9], axis=-1)
    return CleanHands(rec.gt_px, rec.gt_rel_m, rec.gt_rel_m[..., 2] / key[:, None], key,
                      rec.root_z_m, rec.crop_focal_px, rec.crop_cx_px, rec.crop_cy_px)


def records_batch(rec: ShpeRecords, rows: np.ndarray) -> LiftBatch:
    """Rows ``rows`` of the records with the real SHPE's outputs as inputs."""
    return _batch(records_truth(rec).take(rows), rec.visible[rows], rec.shpe_px[rows],
                  rec.shpe_rel_m[rows])


def concat(a: LiftBatch, b: LiftBatch) -> LiftBatch:
    """Rows of ``a`` then ``b``."""
    t = CleanHands(**{f.name: np.concatenate([getattr(a.truth, f.name), getattr(b.truth, f.name)])
                      for f in dataclasses.fields(CleanHands)})
    return _batch(t, np.concatenate([a.visible, b.visible]), np.concatenate([a.shpe_px, b.shpe_px]),
                  np.concatenate([a.shpe_rel_m, b.shpe_rel_m]))


def root_aligned_mm(truth: CleanHands, joints_px: np.ndarray, rel_depth: np.ndarray) -> np.ndarray:
    """(B, 21) per-joint root-aligned error, mm, with the GT wrist depth and keybone."""
    args = (truth.keybone_m, truth.root_z_m, truth.focal_px, truth.cx_px, truth.cy_px)
    pred = backproject_m(joints_px, rel_depth, *args)
    gt = backproject_m(truth.joints_px, truth.rel_depth, *args)
    return 1e3 * np.linalg.norm((pred - pred[:, :1]) - (gt - gt[:, :1]), axis=-1)


@dataclasses.dataclass(frozen=True)
class Mpjpe:
    """Root-aligned MPJPE in mm: all hands, small (≤ 10 occluded) and severe (> 10) occlusion,
    and over visible joints only under each; counts of hands per class."""

    all_mm: float
    small_mm: float
    severe_mm: float
    small_visible_mm: float
    severe_visible_mm: float
    small_hands: int
    severe_hands: int


def mpjpe(batch: LiftBatch, joints_px: np.ndarray, rel_depth: np.ndarray) -> Mpjpe:
    """:class:`Mpjpe` of predictions (B, 21, 2) crop px and (B, 21) d against ``batch``."""
    err = root_aligned_mm(batch.truth, joints_px, rel_depth)
    severe = (~batch.visible).sum(1) > SEVERE_OCCLUDED
    vis = batch.visible

    def mean(rows, joints=None):
        m = np.broadcast_to(rows[:, None], err.shape) if joints is None else rows[:, None] & joints
        return float(err[m].mean()) if m.any() else float("nan")

    return Mpjpe(float(err.mean()), mean(~severe), mean(severe), mean(~severe, vis),
                 mean(severe, vis), int((~severe).sum()), int(severe.sum()))


def shpe_baseline(batch: LiftBatch) -> Mpjpe:
    """:class:`Mpjpe` of the SHPE inputs alone: its 2D and its world z scaled to the GT keybone."""
    w = batch.shpe_rel_m
    key = np.maximum(np.linalg.norm(w[:, 10] - w[:, 9], axis=-1), 1e-6)
    return mpjpe(batch, batch.shpe_px, w[..., 2] / key[:, None])
