"""An MP4 cut short by a full disk ends after its last whole fragment and plays to there
(issue "Real-world inputs and faults", row 5)."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys

import av

from hdr_live.io.mp4_boxes import top_level_boxes, whole_fragments_end

CODE = """
import numpy as np
from hdr_live.io.video_writer import Mp4Writer, VideoWriteError
rng = np.random.default_rng(0)
w = Mp4Writer({path!r}, 30.0)
n = 0
try:
    with w:
        for n in range(300):
            w.write(rng.integers(0, 255, (96, 128, 3), np.uint8))
except VideoWriteError as e:
    print(w.frames_written, e)
"""


def _limit(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_leaves_whole_fragments_only(tmp_path):
    path = tmp_path / "o.mp4"
    out = subprocess.run([sys.executable, "-c", CODE.format(path=str(path))], capture_output=True,
                         text=True, timeout=120, preexec_fn=_limit(200_000))
    written = int(out.stdout.split()[0])
    assert 0 < written < 300 and "cannot write video" in out.stdout, out.stderr
    boxes = top_level_boxes(path)
    assert boxes[-1][2] == path.stat().st_size  # no box cut short
    assert boxes[-1][0] == b"mdat" and whole_fragments_end(path) == path.stat().st_size
    with av.open(str(path)) as c:
        decoded = sum(1 for _ in c.decode(video=0))
    assert 0 < decoded <= written


def test_boxes_of_a_whole_file_end_at_its_end(tmp_path, short_clip):
    boxes = top_level_boxes(short_clip)
    assert boxes[0][0] == b"ftyp" and boxes[-1][2] == short_clip.stat().st_size
    assert whole_fragments_end(short_clip) == short_clip.stat().st_size
