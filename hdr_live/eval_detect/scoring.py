"""Matching predicted hands to labelled boxes, frame by frame, and the counts that follow.

A predicted hand matches a labelled box when their boxes' IoU is at least ``min_iou`` or its
wrist lies within ``wrist_reach`` label sizes (the box's longer side) of the box. Matching is
one-to-one (greedy, best IoU first, then nearest wrist), except that a box the labeller drew
round two touching hands (:attr:`LabelledHand.hands_in_box`) takes two predictions. A
prediction left unmatched is a false hand, unless the file's labels are partial (crowds), where
it is counted apart as unscored. Every presence count comes with its false count.
"""

from __future__ import annotations

import dataclasses
import enum

import numpy as np

from hdr_live.eval_detect.labels import LabelledHand
from hdr_live.geometry import box_iou
from hdr_live.joints import Side, hand_scale_px


@dataclasses.dataclass(frozen=True)
class PredictedHand:
    """One hand a system reports on a frame.

    Attributes:
        side: the person's own hand as the system labels it.
        box_xyxy: (x0, y0, x1, y1) float frame pixels round the hand (see :func:`joints_box`).
        wrist_xy: (x, y) float frame pixels of the wrist (joint 0).
        inferred: the system drew the hand without seeing it (hdr-live's hidden hands).
    """

    side: Side
    box_xyxy: tuple[float, float, float, float]
    wrist_xy: tuple[float, float]
    inferred: bool = False

    @staticmethod
    def from_joints(side: Side, joints_px: np.ndarray, inferred: bool = False) -> "PredictedHand":
        """A predicted hand from (21, 2) joints in frame pixels."""
        return PredictedHand(side, joints_box(joints_px), (float(joints_px[0, 0]),
                                                           float(joints_px[0, 1])), inferred)


def joints_box(joints_px: np.ndarray, margin: float = 0.15) -> tuple[float, float, float, float]:
    """The box round (21, 2) joints (frame pixels) grown by ``margin`` hand sizes (wrist→middle
    MCP) on every side, for the fingertips' and the palm's flesh beyond the joint centres."""
    pad = margin * max(hand_scale_px(joints_px), 1.0)
    lo, hi = joints_px.min(axis=0) - pad, joints_px.max(axis=0) + pad
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def point_to_box_px(xy: tuple[float, float], box: tuple[float, ...]) -> float:
    """Distance in pixels from a point to a box (0 inside it)."""
    dx = max(box[0] - xy[0], 0.0, xy[0] - box[2])
    dy = max(box[1] - xy[1], 0.0, xy[1] - box[3])
    return float(np.hypot(dx, dy))


class Outcome(enum.Enum):
    """What became of one predicted hand."""

    FOUND = "found"  # matched a label, side right or label side unknown
    SIDE_ERROR = "side error"  # matched a label of the other side
    FALSE = "false"  # matched no label (a phantom, or a hand the labels do not have)
    UNSCORED = "unscored"  # matched no label in a file whose labels are partial


@dataclasses.dataclass(frozen=True)
class MatchOptions:
    """Matching rule (see the module docstring).

    Attributes:
        min_iou: box IoU enough for a match.
        wrist_reach: a wrist within this many label sizes of the box also matches.
    """

    min_iou: float = 0.3
    wrist_reach: float = 0.5


@dataclasses.dataclass(frozen=True)
class FrameScore:
    """One labelled frame's counts for one system.

    Attributes:
        labelled: labelled hands (a two-hand box counts once).
        found: labelled hands matched by at least one prediction.
        false: predictions matching no label (complete labels only).
        false_inferred: of ``false``, those the system inferred.
        side_errors: matches whose side is the other of a known labelled side.
        inferred_found: matches by an inferred prediction.
        unscored: unmatched predictions in a file with partial labels.
        outcomes: per prediction, in the order given.
    """

    labelled: int
    found: int
    false: int
    false_inferred: int
    side_errors: int
    inferred_found: int
    unscored: int
    outcomes: tuple[Outcome, ...]


def _candidate_pairs(labels, preds, options):
    pairs = []
    for i, pred in enumerate(preds):
        for j, lab in enumerate(labels):
            iou = box_iou(pred.box_xyxy, lab.box_xyxy)
            gap = point_to_box_px(pred.wrist_xy, lab.box_xyxy) / max(lab.size_px, 1.0)
            if iou >= options.min_iou or gap <= options.wrist_reach:
                pairs.append((-iou, gap, i, j))
    return sorted(pairs)


def score_frame(labels: tuple[LabelledHand, ...], preds: list[PredictedHand],
                complete: bool = True, options: MatchOptions = MatchOptions()) -> FrameScore:
    """Match ``preds`` to ``labels`` (see the module docstring) and count.

    Args:
        labels: the frame's labelled hands.
        preds: the system's hands on the frame.
        complete: every visible hand of the frame is labelled (False: partial labels).
        options: the matching rule.
    """
    capacity = [lab.hands_in_box for lab in labels]
    matched_to: dict[int, int] = {}
    for _, _, i, j in _candidate_pairs(labels, preds, options):
        if i in matched_to or capacity[j] == 0:
            continue
        matched_to[i] = j
        capacity[j] -= 1
    outcomes = []
    for i, pred in enumerate(preds):
        j = matched_to.get(i)
        if j is None:
            outcomes.append(Outcome.FALSE if complete else Outcome.UNSCORED)
            continue
        lab_side = labels[j].side
        wrong = lab_side is not None and pred.side is not lab_side
        outcomes.append(Outcome.SIDE_ERROR if wrong else Outcome.FOUND)
    false = [i for i, o in enumerate(outcomes) if o is Outcome.FALSE]
    return FrameScore(
        labelled=len(labels),
        found=len(set(matched_to.values())),
        false=len(false),
        false_inferred=sum(preds[i].inferred for i in false),
        side_errors=sum(o is Outcome.SIDE_ERROR for o in outcomes),
        inferred_found=sum(preds[i].inferred for i in matched_to),
        unscored=sum(o is Outcome.UNSCORED for o in outcomes),
        outcomes=tuple(outcomes),
    )


@dataclasses.dataclass(frozen=True)
class Totals:
    """Counts summed over frames (see :class:`FrameScore`)."""

    labelled: int = 0
    found: int = 0
    false: int = 0
    false_inferred: int = 0
    side_errors: int = 0
    inferred_found: int = 0
    unscored: int = 0
    predicted: int = 0

    def add(self, score: FrameScore) -> "Totals":
        """These totals plus one frame's counts."""
        return Totals(self.labelled + score.labelled, self.found + score.found,
                      self.false + score.false, self.false_inferred + score.false_inferred,
                      self.side_errors + score.side_errors,
                      self.inferred_found + score.inferred_found,
                      self.unscored + score.unscored, self.predicted + len(score.outcomes))

    def plus(self, other: "Totals") -> "Totals":
        """The sum of two sets of totals, field by field."""
        return Totals(*(getattr(self, f.name) + getattr(other, f.name)
                        for f in dataclasses.fields(Totals)))

    @property
    def precision(self) -> float:
        """Scored predictions that matched a label, over scored predictions (NaN with none)."""
        scored = self.predicted - self.unscored
        return (scored - self.false) / scored if scored else float("nan")
