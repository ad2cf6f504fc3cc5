"""A pose log ends after a whole line when the disk fills, and carries the frame size and the
image's file name (issue "Real-world inputs and faults", rows 5 and 13)."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

from hdr_live.io.pose_log import pose_record
from hdr_live.joints import Side
from hdr_live.types import Frame, FrameResult, HandMasks, HandPose, Hands, StageTimings

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "assets" / "demo_two_hands.mp4"
SCRIPT = "import sys; from hdr_live.cli import console_main; sys.exit(console_main())"


def _result(index: int, name: str | None = None) -> FrameResult:
    rng = np.random.default_rng(index)
    pose = HandPose(Side.LEFT, rng.uniform(0, 100, (21, 2)), rng.normal(0, 0.03, (21, 3)),
                    np.zeros(21, bool), 0.4)
    return FrameResult(Frame(np.zeros((6, 10, 3), np.uint8), index, index / 30, name),
                       HandMasks.empty(6, 10), Hands(), Hands(left=pose), StageTimings())


def test_the_record_has_the_frame_size_and_the_file_name():
    record = pose_record(_result(0, "IMG_0001.jpg"))
    assert record["size_wh"] == [10, 6] and record["file"] == "IMG_0001.jpg"
    assert "file" not in pose_record(_result(0))


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes then fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_line_that_does_not_fit_is_cut_off_again(tmp_path):
    path = tmp_path / "p.jsonl"
    code = (
        "import sys\n"
        "sys.path.insert(0, %r)\n"
        "from test_pose_log_faults import _result\n"
        "from hdr_live.io.pose_log import PoseLogWriter, PoseLogError\n"
        "w = PoseLogWriter(%r)\n"
        "try:\n"
        "    for i in range(100):\n"
        "        w.write(_result(i))\n"
        "except PoseLogError as e:\n"
        "    print(w.lines_written, e)\n" % (str(Path(__file__).parent), str(path)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, preexec_fn=_limit_file_size(6000))
    written, message = out.stdout.split(" ", 1)
    assert 0 < int(written) < 100 and str(path) in message
    data = path.read_bytes()
    assert data.endswith(b"\n") and len(data) <= 6000
    assert [json.loads(line)["frame"] for line in data.splitlines()] == list(range(int(written)))


def _process_on_a_full_disk(folder: Path, args: list[str], limit: int) -> str:
    """``process`` on the demo clip with files limited to ``limit`` bytes: asserts exit 2 and
    no traceback; returns the last stderr line."""
    out = subprocess.run([sys.executable, "-c", SCRIPT, "process", str(DEMO), *args],
                         capture_output=True, text=True, timeout=300, cwd=folder,
                         preexec_fn=_limit_file_size(limit))
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    return out.stderr.strip().splitlines()[-1]


def test_process_on_a_full_disk_exits_2_with_whole_lines(tmp_path):
    poses = tmp_path / "p.jsonl"
    last = _process_on_a_full_disk(tmp_path, ["--poses", str(poses), "--max-frames", "40"],
                                   30_000)
    assert last.startswith("hdr-live: error: cannot write pose log") and str(poses) in last
    lines = poses.read_bytes().splitlines()
    assert 0 < len(lines) < 40
    assert [json.loads(line)["frame"] for line in lines] == list(range(len(lines)))


def test_exports_on_a_full_disk_name_their_file_without_a_traceback(tmp_path):
    export = tmp_path / "e.npz"
    last = _process_on_a_full_disk(tmp_path, ["--export", str(export), "--max-frames", "30"],
                                   20_000)
    assert last.startswith("hdr-live: error: cannot write") and str(tmp_path) in last
    assert not export.exists()
    assert not list(tmp_path.glob(".*"))  # no spool or part file left behind


def test_write_export_on_a_full_disk_names_the_export(tmp_path):
    code = (
        "import numpy as np\n"
        "from hdr_live.export import ExportError, PoseSeries, write_export\n"
        "rng = np.random.default_rng(0)\n"
        "rec = [{'frame': i, 't_s': i / 30, 'hands': {'right': {'joints_px': rng.uniform(0, 99, "
        "(21, 2)).tolist(), 'joints_rel_m': rng.normal(0, .1, (21, 3)).tolist(), 'visible': "
        "[True] * 21, 'score': 0.9, 'inferred': False}, 'left': None}} for i in range(300)]\n"
        "try:\n"
        "    write_export(%r, PoseSeries.from_records(rec))\n"
        "except ExportError as e:\n"
        "    print(e)\n" % str(tmp_path / "e.npz"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, preexec_fn=_limit_file_size(8_000))
    assert out.stdout.startswith(f"cannot write export {tmp_path / 'e.npz'}"), out.stderr
    assert "Traceback" not in out.stderr
    assert not list(tmp_path.iterdir())  # neither the export nor its part file
