"""A reader that goes away (``2>&1 | head``, ``| true``) neither hangs nor fails a run
(hdr_live.cli.streams; issue "Real-world inputs and faults", row 1 and the ``| true`` case)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hdr_live.cli.streams import TolerantStream

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "assets" / "demo_two_hands.mp4"
SCRIPT = "import sys; from hdr_live.cli import console_main; sys.exit(console_main())"


def test_a_broken_pipe_is_dropped_and_remembered():
    read_fd, write_fd = os.pipe()
    os.close(read_fd)
    stream = TolerantStream(os.fdopen(write_fd, "w", buffering=1))
    assert stream.write("first line\n") == len("first line\n")
    stream.flush()
    assert stream.broken
    assert stream.write("dropped\n") == len("dropped\n")


def test_other_errors_still_raise(tmp_path):
    f = open(tmp_path / "x.txt", "w")
    stream = TolerantStream(f)
    f.close()
    with pytest.raises(ValueError):  # a closed file is a bug, not a reader gone
        stream.write("x")


@pytest.mark.parametrize("broken", ["stderr", "stdout"])
def test_process_finishes_and_writes_every_frame_when_the_reader_goes_away(tmp_path, broken):
    poses, out = tmp_path / "p.jsonl", tmp_path / "o.mp4"
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, "process", str(DEMO), "--out", str(out),
         "--poses", str(poses), "--max-frames", "12"],
        stdout=subprocess.PIPE if broken == "stdout" else subprocess.DEVNULL,
        stderr=subprocess.PIPE if broken == "stderr" else subprocess.DEVNULL, cwd=tmp_path)
    pipe = proc.stdout if broken == "stdout" else proc.stderr
    if broken == "stderr":
        pipe.read(200)  # like `head -c 200`: read a little, then go away
    pipe.close()
    assert proc.wait(timeout=300) == 0
    frames = [json.loads(line)["frame"] for line in poses.read_text().splitlines()]
    assert frames == list(range(12))
    assert out.stat().st_size > 1000
