"""SIGTERM and SIGHUP stop a run like Ctrl-C, and workers end with their parent (issue
"Real-world inputs and faults", rows 3 and 11)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "assets" / "demo_two_hands.mp4"
SCRIPT = "import sys; from hdr_live.cli import console_main; sys.exit(console_main())"
linux_only = pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                reason="reads worker processes from /proc")


def _wait_for(condition, timeout_s: float = 240.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _lines(path: Path) -> int:
    return len(path.read_bytes().splitlines()) if path.exists() else 0


def _children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    out = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines()
                          if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            out.append(int(status.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_finishes_the_frame_writes_exports_and_prints_the_summary(tmp_path, signum):
    poses, export = tmp_path / "p.jsonl", tmp_path / "e.npz"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, "process", str(DEMO), "--poses",
                             str(poses), "--export", str(export), "--out", str(tmp_path / "o.mp4")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: _lines(poses) >= 3)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, err
    assert "interrupted after" in err and "Traceback" not in err
    assert "ms per frame" in out  # the summary
    lines = poses.read_text().splitlines()
    assert 3 <= len(lines) < 90 and all(json.loads(line) for line in lines)
    assert export.stat().st_size > 0


@pytest.fixture()
def two_clips(tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    for i in range(2):
        shutil.copy(DEMO, folder / f"clip{i}.mp4")
    return folder


@linux_only
def test_sigterm_with_two_workers_stops_both_and_prints_the_table(two_clips, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, "process", str(two_clips / "clip*.mp4"),
                             "--out-dir", str(out), "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    logs = [out / f"clip{i}.poses.jsonl" for i in range(2)]
    _wait_for(lambda: all(_lines(p) >= 2 for p in logs))
    workers = [pid for pid in _children(proc.pid) if _alive(pid)]
    proc.send_signal(signal.SIGTERM)
    stdout, err = proc.communicate(timeout=180)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    assert stdout.count("interrupted") == 2  # the summary table, one row per clip
    assert not list(out.glob("*.done.json"))
    for p in logs:
        assert all(json.loads(line) for line in p.read_text().splitlines())
    _wait_for(lambda: not any(_alive(pid) for pid in workers), 30)


@linux_only
def test_workers_end_when_their_parent_is_killed(two_clips, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, "process", str(two_clips / "clip*.mp4"),
                             "--out-dir", str(out), "--jobs", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    logs = [out / f"clip{i}.poses.jsonl" for i in range(2)]
    _wait_for(lambda: all(_lines(p) >= 2 for p in logs))
    workers = [pid for pid in _children(proc.pid) if _alive(pid)]
    assert workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    _wait_for(lambda: not any(_alive(pid) for pid in workers), 60)
    for p in logs:  # each busy worker finished its frame and closed its log
        assert all(json.loads(line) for line in p.read_text().splitlines())


@linux_only
def test_ctrl_c_with_two_workers_prints_the_table_without_a_traceback(two_clips, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, "process", str(two_clips / "clip*.mp4"),
                             "--out-dir", str(out), "--jobs", "2"], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    logs = [out / f"clip{i}.poses.jsonl" for i in range(2)]
    _wait_for(lambda: all(_lines(p) >= 2 for p in logs))
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the parent and its workers
    stdout, err = proc.communicate(timeout=180)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert stdout.count("interrupted") == 2
