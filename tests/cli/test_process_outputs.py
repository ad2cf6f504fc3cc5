"""``process`` outputs beyond the video: smoothing with the raw joints kept, exports by suffix,
and no native log noise on stderr."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from hdr_live.cli import main
from hdr_live.io.pose_log import read_pose_log
from support import REPO

DEMO = REPO / "assets" / "demo_two_hands.mp4"


def _joints(records, key):
    return [np.array(h[key]) for r in records for h in r["hands"].values() if h is not None]


def test_smoothing_keeps_the_raw_joints_which_equal_an_unsmoothed_run(tmp_path):
    on, off = tmp_path / "on.jsonl", tmp_path / "off.jsonl"
    assert main(["process", str(DEMO), "--poses", str(on), "--max-frames", "8",
                 "--no-progress"]) == 0  # default: One-Euro for a video
    assert main(["process", str(DEMO), "--poses", str(off), "--max-frames", "8",
                 "--smoothing", "off", "--no-progress"]) == 0
    smoothed, raw = list(read_pose_log(on)), list(read_pose_log(off))
    assert all("joints_px_raw" not in h for r in raw for h in r["hands"].values() if h)
    for a, b in zip(_joints(smoothed, "joints_px_raw"), _joints(raw, "joints_px")):
        np.testing.assert_array_equal(a, b)
    moved = [np.abs(a - b).max() for a, b in zip(_joints(smoothed, "joints_px"),
                                                 _joints(smoothed, "joints_px_raw"))]
    assert moved[0] == 0.0 and max(moved) > 0.1  # the filter starts at the first measurement


def test_exports_are_written_and_read_back(tmp_path):
    pd = pytest.importorskip("pandas")
    exports = [tmp_path / f"e{s}" for s in (".npz", ".csv", ".bvh", ".glb")]
    argv = ["process", str(DEMO), "--poses", str(tmp_path / "p.jsonl"), "--max-frames", "6",
            "--no-progress"]
    for path in exports:
        argv += ["--export", str(path)]
    assert main(argv) == 0
    data = np.load(exports[0])
    assert data["joints_px"].shape == (6, 2, 21, 2) and data["presence"].shape == (6, 2)
    table = pd.read_csv(exports[1])
    assert set(table["hand"]) <= {"right", "left"} and table["frame"].max() == 5
    assert exports[2].read_text().startswith("HIERARCHY")
    assert exports[3].read_bytes()[:4] == b"glTF"


def test_an_unknown_export_suffix_is_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "p.jsonl"
    assert main(["process", str(DEMO), "--poses", str(out), "--export",
                 str(tmp_path / "x.fbx")]) == 2
    assert "use one of" in capsys.readouterr().err and not out.exists()


def test_the_console_script_prints_no_native_log_line(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "hdr_live.cli", "process", str(DEMO), "--max-frames", "3",
         "--poses", str(tmp_path / "p.jsonl"), "--no-progress"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("hdr-live: hdr (HASM"), lines
