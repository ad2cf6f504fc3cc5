"""Scoring Tzionas-style clips (:mod:`hdr_live.io.tzionas`) with the HDR paper's protocol.

Source: Meng et al., "3D Interacting Hand Pose Estimation by Hand De-occlusion and Removal",
ECCV 2022, §5: on the real-world two-hand sequences of Tzionas et al. (IJCV 2016) the metric is
the 2D end-point error in pixels (:func:`hdr_live.eval2d.epe_px`) over the annotated joints of
each annotated frame, reported per hand and as the mean of both.

Rules: a hand is scored in a frame when its ground truth has at least one annotated joint; a
hand the pipeline did not return is counted as missed and left out of the EPE; the summaries
weigh every annotated joint the same (a hand-frame with 12 joints counts 12 times).
"""

from __future__ import annotations

import csv
import dataclasses
import math
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from hdr_live.eval2d import epe_px
from hdr_live.io.part_files import part_path
from hdr_live.io.tzionas import TzionasFrame, TzionasGroundTruth
from hdr_live.joints import Side
from hdr_live.types import Hands


@dataclasses.dataclass(frozen=True)
class EpeRow:
    """One scored hand of one annotated frame (a row of the per-frame CSV).

    Attributes:
        frame: the frame number ``NNN``.
        image: the frame's file name.
        side: the annotated hand.
        annotated_joints: joints of this hand with ground truth (1-14).
        epe_px: 2D EPE in pixels over them; NaN when the hand was not found.
        found: the pipeline returned a hand of this side.
    """

    frame: int
    image: str
    side: Side
    annotated_joints: int
    epe_px: float
    found: bool


def score_tzionas_frame(frame: TzionasFrame, gt: TzionasGroundTruth,
                        pred_px: Hands[np.ndarray]) -> list[EpeRow]:
    """Score the predicted hands of one annotated frame: one row per hand with ground truth
    (right first); a hand with no annotated joint is not scored.

    Args:
        frame: the frame.
        gt: its ground truth.
        pred_px: per side the (21, 2) predicted frame pixels, None for a hand not found (e.g.
            ``result.poses.map(lambda side, pose: pose.joints_px)``).

    Raises:
        ValueError: a predicted array is not of shape (21, 2).
    """
    rows = []
    for side in (Side.RIGHT, Side.LEFT):
        count = gt.count(side)
        if not count:
            continue
        pred = pred_px.get(side)
        epe = epe_px(pred, gt.joints_px.get(side)) if pred is not None else math.nan
        rows.append(EpeRow(frame.number, frame.image_path.name, side, count, epe,
                           pred is not None))
    return rows


@dataclasses.dataclass(frozen=True)
class HandSummary:
    """EPE over the annotated frames of one hand (or of both).

    Attributes:
        scored: hand-frames with ground truth.
        found: of those, hand-frames the pipeline found.
        joints: annotated joints over the found hand-frames.
        epe_px: mean 2D EPE in pixels over those joints (each joint weighs the same; NaN when
            nothing was found).
    """

    scored: int
    found: int
    joints: int
    epe_px: float


@dataclasses.dataclass(frozen=True)
class TzionasSummary:
    """The summary of a scored clip.

    Attributes:
        right: the person's right hand.
        left: the person's left hand.
        mean: both hands together (every annotated joint of either weighs the same).
    """

    right: HandSummary
    left: HandSummary
    mean: HandSummary


def _summary(selected: list[EpeRow]) -> HandSummary:
    found = [r for r in selected if r.found and math.isfinite(r.epe_px)]
    joints = sum(r.annotated_joints for r in found)
    total = sum(r.epe_px * r.annotated_joints for r in found)
    return HandSummary(len(selected), len(found), joints, total / joints if joints else math.nan)


def summarize_epe(rows: Iterable[EpeRow]) -> TzionasSummary:
    """Per-hand and overall summary of scored rows.

    Missed hands are counted (``scored - found``) but not in the EPE; with no row every count
    is 0 and every EPE NaN.
    """
    rows = list(rows)
    return TzionasSummary(
        right=_summary([r for r in rows if r.side is Side.RIGHT]),
        left=_summary([r for r in rows if r.side is Side.LEFT]),
        mean=_summary(rows),
    )


#: Columns of the per-frame CSV.
CSV_COLUMNS = ("frame", "image", "side", "annotated_joints", "epe_px", "found")


def write_epe_csv(rows: Iterable[EpeRow], path: Path) -> None:
    """Write the per-frame CSV (:data:`CSV_COLUMNS`; ``epe_px`` with 3 decimals, empty when the
    hand was not found; ``found`` ``true``/``false``; ``side`` ``right``/``left``).

    Written to a temporary file in the destination folder (created when missing), then renamed
    into place: ``path`` is either its old content or complete.

    Raises:
        OSError: the folder cannot be created or the file cannot be written or renamed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = part_path(path)
    try:
        with tmp.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(CSV_COLUMNS)
            for r in rows:
                writer.writerow([r.frame, r.image, r.side.value, r.annotated_joints,
                                 f"{r.epe_px:.3f}" if math.isfinite(r.epe_px) else "",
                                 "true" if r.found else "false"])
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
