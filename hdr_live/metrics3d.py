"""3D hand-pose metrics: root-aligned joint errors, PCK/AUC split by occlusion, MRRPE, bone-length
stability.

Conventions: joints are (21, 3) float64 metres in camera axes (x right, y down, z away), joint
order of :mod:`hdr_live.joints`; every error is reported in millimetres. A joint is *correct* at a
threshold when its error is at most that threshold.

Sources:
- PCK and its AUC over 20–50 mm: Zimmermann & Brox (ICCV 2017), as used by Ishii et al.
  (seed 003, §3 and Table 2). The AUC here is the exact normalised area under the PCK step
  curve, ``mean((hi - clip(e, lo, hi)) / (hi - lo))``; a trapezoid over a dense threshold grid
  (as their evaluation code does) converges to it.
- Occlusion split: seed 003 §3: *severe* when more than half of the 21 keypoints (> 10) are
  occluded, *small* otherwise; Table 2's relative value is AUC(severe) / AUC(small).
- MRRPE: InterHand2.6M (Moon et al., ECCV 2020): the error of the right-root-to-left-root
  vector, the root being the wrist (joint 0).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from hdr_live.joints import BONES, NUM_JOINTS

#: Thresholds at which PCK is tabulated, millimetres.
PCK_THRESHOLDS_MM: tuple[float, ...] = (20.0, 30.0, 40.0, 50.0)
#: The interval of the AUC, millimetres (seed 003 / Zimmermann & Brox).
AUC_RANGE_MM: tuple[float, float] = (20.0, 50.0)
#: A hand with more occluded joints than this (of 21) is severely occluded (seed 003 §3).
SEVERE_MIN_OCCLUDED = 11
#: Joints scored after wrist alignment: all but the wrist, whose error is zero by construction.
EVAL_JOINTS: tuple[int, ...] = tuple(range(1, NUM_JOINTS))


def _joints3(value: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != (NUM_JOINTS, 3):
        raise ValueError(f"{name} must have shape ({NUM_JOINTS}, 3), got {arr.shape}")
    return arr


def root_aligned_errors_mm(est_m: np.ndarray, gt_m: np.ndarray) -> np.ndarray:
    """Per-joint 3D distance after moving both skeletons' wrists (joint 0) to the origin.

    Args:
        est_m: (21, 3) estimated joints, metres, camera axes; absolute or wrist-relative.
        gt_m: (21, 3) ground-truth joints, metres, camera axes.

    Returns:
        (21,) float64 errors in millimetres (row 0 is 0); NaN propagates from either input.

    Raises:
        ValueError: an array is not of shape (21, 3).
    """
    est, gt = _joints3(est_m, "est_m"), _joints3(gt_m, "gt_m")
    return np.linalg.norm((est - est[0]) - (gt - gt[0]), axis=1) * 1000.0


def mpjpe_mm(est_m: np.ndarray, gt_m: np.ndarray, joints: tuple[int, ...] = EVAL_JOINTS) -> float:
    """Wrist-aligned mean per-joint position error in millimetres over ``joints``.

    Unlike :func:`hdr_live.eval2d.mpjpe_mm` (wrist-relative prediction against millimetre ground
    truth), both skeletons are wrist-aligned here, so absolute estimates work too.

    Raises:
        ValueError: an array is not of shape (21, 3).
    """
    return float(np.mean(root_aligned_errors_mm(est_m, gt_m)[list(joints)]))


def occluded_joints(joints_px: np.ndarray, visible_mask: np.ndarray) -> np.ndarray:
    """Which joints are occluded: the rounded pixel is off the hand's own visible mask, outside
    the image, or not finite.

    Args:
        joints_px: (21, 2) float ground-truth pixels (x, y), pixel centres at integers.
        visible_mask: (H, W) bool, the hand's own visible region.

    Returns:
        (21,) bool, True where occluded.

    Raises:
        ValueError: ``joints_px`` not (21, 2) or ``visible_mask`` not 2-D.
    """
    px = np.asarray(joints_px, dtype=np.float64)
    mask = np.asarray(visible_mask, dtype=bool)
    if px.shape != (NUM_JOINTS, 2) or mask.ndim != 2:
        raise ValueError(f"need (21, 2) joints and a 2-D mask, got {px.shape}, {mask.shape}")
    finite = np.isfinite(px).all(axis=1)
    uv = np.rint(np.where(finite[:, None], px, -1.0)).astype(np.int64)
    h, w = mask.shape
    inside = finite & (uv[:, 0] >= 0) & (uv[:, 0] < w) & (uv[:, 1] >= 0) & (uv[:, 1] < h)
    seen = np.zeros(NUM_JOINTS, dtype=bool)
    seen[inside] = mask[uv[inside, 1], uv[inside, 0]]
    return ~seen


def is_severe(occluded_counts: np.ndarray) -> np.ndarray:
    """(N,) bool: more than 10 of 21 joints occluded (seed 003 §3), from (N,) int counts."""
    return np.asarray(occluded_counts) >= SEVERE_MIN_OCCLUDED


@dataclasses.dataclass(frozen=True)
class PckCurve:
    """PCK of a set of joints at several thresholds and its AUC.

    Attributes:
        thresholds_mm: (K,) float64 thresholds, millimetres.
        pck: (K,) float64 share of scored joints with error ≤ threshold (NaN when none scored).
        auc: exact normalised area under PCK over ``auc_range_mm`` in [0, 1] (NaN when none).
        auc_range_mm: (lo, hi) of the AUC, millimetres.
        joint_count: joints scored. hand_count: hands they come from.
    """

    thresholds_mm: np.ndarray
    pck: np.ndarray
    auc: float
    auc_range_mm: tuple[float, float]
    joint_count: int
    hand_count: int

    def at(self, threshold_mm: float) -> float:
        """PCK at one of :attr:`thresholds_mm`.

        Raises:
            KeyError: ``threshold_mm`` is not one of them.
        """
        hits = np.flatnonzero(np.isclose(self.thresholds_mm, threshold_mm))
        if hits.size == 0:
            raise KeyError(f"no PCK at {threshold_mm} mm (have {self.thresholds_mm.tolist()})")
        return float(self.pck[hits[0]])


def _errors_and_mask(errors_mm: np.ndarray,
                     mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(N, 21) float64 errors and (N, 21) bool mask (all True for None); ValueError on a misfit."""
    err = np.asarray(errors_mm, dtype=np.float64)
    keep = np.ones(err.shape, bool) if mask is None else np.asarray(mask, dtype=bool)
    if err.ndim != 2 or err.shape[1] != NUM_JOINTS or keep.shape != err.shape:
        raise ValueError(f"need (N, {NUM_JOINTS}) errors and mask, got {err.shape}, {keep.shape}")
    return err, keep


def pck_curve(errors_mm: np.ndarray, mask: np.ndarray | None = None,
              joints: tuple[int, ...] = EVAL_JOINTS,
              thresholds_mm: tuple[float, ...] = PCK_THRESHOLDS_MM,
              auc_range_mm: tuple[float, float] = AUC_RANGE_MM) -> PckCurve:
    """PCK curve and AUC over the ``joints`` columns of ``errors_mm`` where ``mask`` is True.

    Args:
        errors_mm: (N, 21) float per-hand per-joint errors, millimetres (N may be 0).
        mask: (N, 21) bool joints to score (e.g. the visible ones), or None for all.
        joints: the joint columns scored (default: all but the wrist).
        thresholds_mm: where PCK is tabulated. auc_range_mm: (lo, hi) with lo < hi.

    Returns:
        The :class:`PckCurve`; NaN PCK and AUC when no joint is scored.

    Raises:
        ValueError: wrong shapes, ``lo >= hi``, or a scored error that is NaN or negative.
    """
    err, keep = _errors_and_mask(errors_mm, mask)
    lo, hi = (float(v) for v in auc_range_mm)
    if not lo < hi:
        raise ValueError(f"auc_range_mm must have lo < hi, got {auc_range_mm}")
    cols = np.zeros(NUM_JOINTS, bool)
    cols[list(joints)] = True
    keep = keep & cols[None, :]
    scored = err[keep]
    if not (np.isfinite(scored).all() and (scored >= 0).all()):
        raise ValueError("scored errors must be finite and non-negative")
    thr = np.asarray(thresholds_mm, dtype=np.float64)
    hands = int(keep.any(axis=1).sum())
    if scored.size == 0:
        return PckCurve(thr, np.full(thr.shape, math.nan), math.nan, (lo, hi), 0, hands)
    pck = (scored[None, :] <= thr[:, None]).mean(axis=1)
    auc = float(np.mean((hi - np.clip(scored, lo, hi)) / (hi - lo)))
    return PckCurve(thr, pck, auc, (lo, hi), int(scored.size), hands)


@dataclasses.dataclass(frozen=True)
class OcclusionSplit:
    """PCK/AUC under small (≤ 10 occluded joints) and severe (> 10) occlusion (seed 003 Table 2).

    Attributes:
        small, severe: the curves of each split.
        relative_auc: ``severe.auc / small.auc`` (NaN when either is NaN or small's is 0).
    """

    small: PckCurve
    severe: PckCurve
    relative_auc: float


def pck_by_occlusion(errors_mm: np.ndarray, occluded_counts: np.ndarray,
                     mask: np.ndarray | None = None, **curve_options) -> OcclusionSplit:
    """:func:`pck_curve` on the small- and severe-occlusion hands separately.

    Args:
        errors_mm: (N, 21) errors, millimetres. occluded_counts: (N,) int occluded joints per
            hand (of 21). mask: (N, 21) bool joints to score, or None for all.
        curve_options: passed to :func:`pck_curve` (``joints``, ``thresholds_mm``,
            ``auc_range_mm``).

    Raises:
        ValueError: shapes disagree, or as :func:`pck_curve`.
    """
    err, keep = _errors_and_mask(errors_mm, mask)
    counts = np.asarray(occluded_counts).reshape(-1)
    if counts.shape[0] != err.shape[0]:
        raise ValueError(f"{counts.shape[0]} occlusion counts for {err.shape[0]} hands")
    severe = is_severe(counts)
    curves = [pck_curve(err[rows], keep[rows], **curve_options) for rows in (~severe, severe)]
    a, b = curves[0].auc, curves[1].auc
    rel = b / a if math.isfinite(a) and math.isfinite(b) and a > 0 else math.nan
    return OcclusionSplit(curves[0], curves[1], rel)


def mrrpe_mm(est_right_m: np.ndarray, est_left_m: np.ndarray,
             gt_right_m: np.ndarray, gt_left_m: np.ndarray) -> float:
    """Mean relative-root position error of one frame (InterHand2.6M), millimetres.

    Args:
        est_right_m, est_left_m: (21, 3) estimated absolute joints, camera metres.
        gt_right_m, gt_left_m: (21, 3) ground-truth absolute joints, camera metres.

    Returns:
        ``|(est_left[0] - est_right[0]) - (gt_left[0] - gt_right[0])|`` in millimetres.

    Raises:
        ValueError: an array is not of shape (21, 3).
    """
    er, el = _joints3(est_right_m, "est_right_m"), _joints3(est_left_m, "est_left_m")
    gr, gl = _joints3(gt_right_m, "gt_right_m"), _joints3(gt_left_m, "gt_left_m")
    return float(np.linalg.norm((el[0] - er[0]) - (gl[0] - gr[0])) * 1000.0)


def bone_lengths_mm(joints_m: np.ndarray) -> np.ndarray:
    """(..., 20) float64 lengths of :data:`hdr_live.joints.BONES` in millimetres from
    (..., 21, 3) joints in metres (NaN propagates)."""
    j = np.asarray(joints_m, dtype=np.float64)
    if j.shape[-2:] != (NUM_JOINTS, 3):
        raise ValueError(f"joints_m must end in ({NUM_JOINTS}, 3), got {j.shape}")
    idx = np.array(BONES)
    return np.linalg.norm(j[..., idx[:, 1], :] - j[..., idx[:, 0], :], axis=-1) * 1000.0


@dataclasses.dataclass(frozen=True)
class BoneLengthStats:
    """How steady one hand's bone lengths are over a sequence (a rigid hand keeps them).

    Attributes:
        bone_mean_mm, bone_std_mm: (20,) float64 mean and population standard deviation
            (ddof 0) of each bone's length over the frames used, millimetres (NaN when none).
        mean_std_mm: mean of ``bone_std_mm`` over the bones (NaN when fewer than 2 frames).
        frame_count: frames used (all 21 joints finite).
    """

    bone_mean_mm: np.ndarray
    bone_std_mm: np.ndarray
    mean_std_mm: float
    frame_count: int


def bone_length_stats(joints_m: np.ndarray) -> BoneLengthStats:
    """Bone-length statistics of one hand over a sequence.

    Args:
        joints_m: (T, 21, 3) joints in metres, any frame (absolute or wrist-relative); a frame
            with any non-finite value (an absent hand: NaN) is left out.

    Raises:
        ValueError: not of shape (T, 21, 3).
    """
    j = np.asarray(joints_m, dtype=np.float64)
    if j.ndim != 3 or j.shape[1:] != (NUM_JOINTS, 3):
        raise ValueError(f"joints_m must have shape (T, {NUM_JOINTS}, 3), got {j.shape}")
    lengths = bone_lengths_mm(j[np.isfinite(j).all(axis=(1, 2))])
    n = lengths.shape[0]
    if n == 0:
        nan = np.full(len(BONES), math.nan)
        return BoneLengthStats(nan, nan.copy(), math.nan, 0)
    std = lengths.std(axis=0)
    return BoneLengthStats(lengths.mean(axis=0), std, float(std.mean()) if n >= 2 else math.nan, n)
