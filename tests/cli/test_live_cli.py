"""``hdr-live live`` end to end (offscreen Qt): a clip through the app with recording and
screenshots; Ctrl-C while recording; a camera that does not exist."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support import count_video_frames
from hdr_live.cli import main

LIVENESS_S = 60.0  # bound for "did not hang" (model loading included), not a speed claim


def _live(*args: str) -> subprocess.Popen:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.Popen(
        [sys.executable, "-m", "hdr_live.cli", "live", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def test_clip_through_the_app_records_and_saves_screenshots(short_clip: Path, tmp_path: Path):
    out, shot = tmp_path / "rec.mp4", tmp_path / "win.png"
    proc = _live("--source", str(short_clip), "--no-pace", "--record", str(out),
                 "--quit-after-frames", "10", "--screenshot", str(shot))
    _, err = proc.communicate(timeout=LIVENESS_S)
    assert proc.returncode == 0, err
    assert 10 <= count_video_frames(out) <= 12
    assert shot.stat().st_size > 10_000 and (tmp_path / "win_3d.png").stat().st_size > 1_000
    assert "recording saved" in err


def test_ctrl_c_while_recording_leaves_a_playable_mp4(short_clip: Path, tmp_path: Path):
    out = tmp_path / "ctrl_c.mp4"
    proc = _live("--source", str(short_clip), "--loop", "--record", str(out))
    try:
        deadline = time.monotonic() + LIVENESS_S
        while not (out.exists() and out.stat().st_size > 20_000):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=LIVENESS_S)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert count_video_frames(out) > 0


def test_a_missing_camera_is_one_clear_error(capsys):
    assert main(["live", "--camera", "57"]) == 2
    assert "camera 57 cannot be opened" in capsys.readouterr().err


def test_live_device_cuda_without_cuda_is_a_clear_error(short_clip: Path, capsys):
    from hdr_live.accel.device import cuda_status

    if cuda_status()[0]:
        import pytest

        pytest.skip("this machine has CUDA")
    assert main(["live", "--source", str(short_clip), "--device", "cuda"]) == 2
    assert "--device cuda" in capsys.readouterr().err


def test_live_learned_stages_on_the_cpu_fallback(short_clip: Path, tmp_path: Path):
    """--hasm/--hdrm learned with --device auto on a CPU-only machine: same code, CPU path."""
    shot = tmp_path / "learned.png"
    proc = _live("--source", str(short_clip), "--no-pace", "--hasm", "learned", "--hdrm", "learned",
                 "--quit-after-frames", "5", "--screenshot", str(shot))
    _, err = proc.communicate(timeout=2 * LIVENESS_S)
    assert proc.returncode == 0, err
    assert "HASM learned, HDRM learned" in err and shot.stat().st_size > 10_000
