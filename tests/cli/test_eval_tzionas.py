"""``process`` and ``eval-2d`` on a Tzionas-style clip made here: frames ``<seq>-rgb-NNN.png``
beside ``<seq>-joints_2D_GT-NNN.txt`` (28 lines ``index x y``)."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest

from hdr_live.cli import main
from hdr_live.io.pose_log import read_pose_log
from hdr_live.io.tzionas import TZIONAS_TO_JOINT

SHIFT_PX = np.array([3.0, 4.0])  # moves the right hand's ground truth by 5 px


def _write_gt(path, right_px, left_px, shift_right):
    lines = []
    for side_index, joints in enumerate((right_px + shift_right, left_px)):
        for k, joint in enumerate(TZIONAS_TO_JOINT):
            x, y = (0.0, 0.0) if k == 0 else joints[joint]  # little MCP left unannotated
            lines.append(f"{14 * side_index + k}\t{x:.2f}\t{y:.2f}")
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def tzionas_clip(tmp_path_factory, clip_frames):
    """Eight real frames as a Tzionas clip; ground truth on frames 3 and 6 from hdr-live's own
    unsmoothed poses (frame 6 shifted by SHIFT_PX on the right hand)."""
    folder = tmp_path_factory.mktemp("tzionas")
    for n, rgb in enumerate(clip_frames[30:38], start=1):
        small = cv2.resize(rgb, (640, 360), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(folder / f"seq01-rgb-{n:03d}.png"), cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    log = tmp_path_factory.mktemp("log") / "p.jsonl"
    assert main(["process", str(folder), "--poses", str(log), "--smoothing", "off",
                 "--no-progress"]) == 0
    records = list(read_pose_log(log))
    assert len(records) == 8
    for number, shift in ((3, 0.0), (6, SHIFT_PX)):
        hands = records[number - 1]["hands"]
        assert hands["right"] and hands["left"], "fixture frames need both hands"
        _write_gt(folder / f"seq01-joints_2D_GT-{number:03d}.txt",
                  np.array(hands["right"]["joints_px"]), np.array(hands["left"]["joints_px"]),
                  shift)
    return folder


def test_eval_2d_scores_annotated_frames_with_the_papers_protocol(tzionas_clip, tmp_path, capsys):
    table = tmp_path / "frames.csv"
    assert main(["eval-2d", "--gt-dir", str(tzionas_clip), "--csv", str(table)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("summary mode=hdr: hands found 4/4, mean 2D EPE ")
    assert "left/right swaps 0" in out[-1]
    rows = list(csv.DictReader(table.open()))
    assert [(r["frame"], r["side"]) for r in rows] == [("3", "right"), ("3", "left"),
                                                       ("6", "right"), ("6", "left")]
    assert all(r["annotated_joints"] == "13" and r["found"] == "true" for r in rows)
    epe = {(r["frame"], r["side"]): float(r["epe_px"]) for r in rows}
    assert epe[("3", "right")] < 0.02 and epe[("6", "left")] < 0.02
    assert abs(epe[("6", "right")] - 5.0) < 0.05


def test_process_reads_the_clip_in_number_order_and_ignores_the_text_files(tzionas_clip,
                                                                           tmp_path):
    log = tmp_path / "p.jsonl"
    assert main(["process", str(tzionas_clip), "--poses", str(log), "--no-progress"]) == 0
    assert [r["frame"] for r in read_pose_log(log)] == list(range(8))


def test_a_bad_ground_truth_file_is_one_error_before_any_work(tzionas_clip, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    for p in tzionas_clip.iterdir():
        (bad / p.name).write_bytes(p.read_bytes())
    (bad / "seq01-joints_2D_GT-003.txt").write_text("0 1 2\n")
    assert main(["eval-2d", "--gt-dir", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "seq01-joints_2D_GT-003.txt" in err[0]


def test_outputs_onto_the_clips_files_are_refused_and_nothing_changes(tzionas_clip, capsys):
    gt = tzionas_clip / "seq01-joints_2D_GT-003.txt"
    frame = tzionas_clip / "seq01-rgb-002.png"
    before = {p.name: p.read_bytes() for p in tzionas_clip.iterdir()}
    for argv in (["eval-2d", "--gt-dir", str(tzionas_clip), "--csv", str(gt)],
                 ["eval-2d", "--gt-dir", str(tzionas_clip), "--csv", str(frame)],
                 ["process", str(tzionas_clip), "--poses", str(gt)],
                 ["process", str(tzionas_clip), "--poses", str(tzionas_clip / "new.png")]):
        assert main(argv) == 2
        assert "would overwrite the input" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in tzionas_clip.iterdir()} == before


def test_a_pose_log_inside_the_clip_folder_can_be_written_again(tzionas_clip, tmp_path):
    """Only the folder's inputs are protected: an earlier run's own pose log may be rewritten."""
    log = tzionas_clip / "poses.jsonl"
    try:
        for _ in range(2):
            assert main(["process", str(tzionas_clip), "--poses", str(log), "--max-frames", "2",
                         "--mode", "mediapipe", "--no-progress"]) == 0
        assert len(list(read_pose_log(log))) == 2
    finally:
        log.unlink(missing_ok=True)
