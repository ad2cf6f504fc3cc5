"""Scoring Tzionas-style clips (hdr_live.eval_tzionas): one row per annotated hand, missed hands
counted but not in the EPE, joint-weighted summaries, and the per-frame CSV written atomically.
The ground truth is built in memory (reading the files: tests/io/test_tzionas.py)."""

from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from hdr_live.eval_tzionas import (
    CSV_COLUMNS,
    EpeRow,
    HandSummary,
    TzionasSummary,
    score_tzionas_frame,
    summarize_epe,
    write_epe_csv,
)
from hdr_live.io.tzionas import TZIONAS_TO_JOINT, TzionasFrame, TzionasGroundTruth
from hdr_live.joints import NUM_JOINTS, Side
from hdr_live.types import Hands

#: Joints of the 14 with ground truth in each hand (12 of them, as two "0 0" lines per hand).
ANNOTATED = list(TZIONAS_TO_JOINT[:2]) + list(TZIONAS_TO_JOINT[3:13])


def _hand(offset: float, joints=ANNOTATED) -> np.ndarray:
    px = np.full((NUM_JOINTS, 2), np.nan)
    for k, joint in enumerate(joints):
        px[joint] = (offset + 10.0 * k, 200.0 + 2.0 * k)
    return px


def _truth(right: np.ndarray, left: np.ndarray) -> TzionasGroundTruth:
    px = Hands(left=left, right=right)
    return TzionasGroundTruth(Path("gt.txt"), px, px.map(lambda _, a: np.isfinite(a).all(axis=1)))


def _frame(number: int) -> TzionasFrame:
    return TzionasFrame(Path(f"clip/Tz-02-1-rgb-{number:03d}.png"), number, Path("gt.txt"))


@pytest.fixture
def rows() -> list[EpeRow]:
    """Frames 0, 10, 100: the right hand 5 px off everywhere, the left k px off in frame k of
    the three and missed in frame 10."""
    out = []
    for k, number in enumerate((0, 10, 100)):
        gt = _truth(_hand(10.0), _hand(300.0))
        right = np.nan_to_num(gt.joints_px.right) + [3.0, 4.0]
        left = np.nan_to_num(gt.joints_px.left) + [float(k), 0.0]
        out += score_tzionas_frame(_frame(number), gt,
                                   Hands(right=right, left=left if k != 1 else None))
    return out


def test_one_row_per_annotated_hand_right_first(rows):
    assert [(r.frame, r.side, r.found) for r in rows] == [
        (0, Side.RIGHT, True), (0, Side.LEFT, True), (10, Side.RIGHT, True),
        (10, Side.LEFT, False), (100, Side.RIGHT, True), (100, Side.LEFT, True)]
    assert all(r.annotated_joints == 12 for r in rows)
    assert rows[0].image == "Tz-02-1-rgb-000.png"
    assert rows[0].epe_px == pytest.approx(5.0) and math.isnan(rows[3].epe_px)
    assert rows[1].epe_px == 0.0 and rows[5].epe_px == pytest.approx(2.0)


def test_a_hand_without_ground_truth_is_not_scored():
    gt = _truth(_hand(10.0), np.full((NUM_JOINTS, 2), np.nan))
    rows = score_tzionas_frame(_frame(3), gt, Hands(right=np.nan_to_num(gt.joints_px.right),
                                                   left=np.zeros((NUM_JOINTS, 2))))
    assert [(r.side, r.epe_px) for r in rows] == [(Side.RIGHT, 0.0)]
    with pytest.raises(ValueError, match="pred_px"):
        score_tzionas_frame(_frame(3), gt, Hands(right=np.zeros((14, 2))))


def test_summary_weighs_joints_and_leaves_missed_hands_out(rows):
    summary = summarize_epe(rows)
    assert isinstance(summary, TzionasSummary)
    assert summary.right == HandSummary(scored=3, found=3, joints=36, epe_px=pytest.approx(5.0))
    assert summary.left.scored == 3 and summary.left.found == 2
    assert summary.left.epe_px == pytest.approx(1.0)
    assert summary.mean.joints == 60 and summary.mean.epe_px == pytest.approx(17.0 / 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.mean = summary.left  # type: ignore[misc]
    empty = summarize_epe([])
    assert empty.mean.scored == empty.right.found == 0 and math.isnan(empty.mean.epe_px)


def test_csv(tmp_path, rows):
    out = tmp_path / "out" / "epe.csv"
    write_epe_csv(rows, out)
    with out.open(newline="") as fh:
        table = list(csv.reader(fh))
    assert tuple(table[0]) == CSV_COLUMNS
    assert table[1] == ["0", "Tz-02-1-rgb-000.png", "right", "12", "5.000", "true"]
    assert table[4] == ["10", "Tz-02-1-rgb-010.png", "left", "12", "", "false"]
    assert len(table) == 7
    assert sorted(p.name for p in out.parent.iterdir()) == ["epe.csv"]  # no temporary left


def test_csv_keeps_the_old_file_when_writing_fails(tmp_path):
    out = tmp_path / "epe.csv"
    out.write_text("old")

    def rows():
        yield EpeRow(0, "a.png", Side.RIGHT, 3, 1.0, True)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_epe_csv(rows(), out)
    assert out.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["epe.csv"]
