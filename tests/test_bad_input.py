"""Bad input: a clear one-line error and exit code 2, or a skipped frame; never a traceback,
never a hang, never lost output."""

import os
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from support import REAL, REPO, count_video_frames, need_real
from hdr_live.cli import main
from hdr_live.io.pose_log import read_pose_log


def _run(args, capsys):
    code = main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def test_missing_path(tmp_path, capsys):
    code, err = _run(["process", str(tmp_path / "nope.mp4")], capsys)
    assert code == 2 and "no such file" in err and "nope.mp4" in err


def test_corrupt_video(tmp_path, capsys):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(np.random.default_rng(0).integers(0, 255, 50_000, dtype=np.uint8).tobytes())
    code, err = _run(["process", str(bad), "--poses", str(tmp_path / "p.jsonl")], capsys)
    assert code == 2 and "bad.mp4" in err


def test_zero_length_video(tmp_path, capsys):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    code, err = _run(["process", str(empty)], capsys)
    assert code == 2 and "empty.mp4" in err


def test_corrupt_image(tmp_path, capsys):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    code, err = _run(["process", str(bad)], capsys)
    assert code == 2 and "cannot decode image" in err


def test_truncated_video_keeps_what_is_there(tmp_path, capsys, clip_frames):
    import av

    full = tmp_path / "full.mp4"
    with av.open(str(full), "w", options={"movflags": "faststart"}) as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 320, 180, "yuv420p"
        for rgb in clip_frames[:20]:
            f = av.VideoFrame.from_ndarray(cv2.resize(rgb, (320, 180)), format="rgb24")
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    data = full.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 3 // 4])
    log = tmp_path / "p.jsonl"
    code, err = _run(["process", str(cut), "--poses", str(log), "--no-progress"], capsys)
    assert code == 0
    lines = list(read_pose_log(log))
    assert 0 < len(lines) < 20
    assert "truncated" in err


@pytest.mark.parametrize("kind", ["gray", "rgba", "odd", "gray16"])
def test_unusual_images_are_processed(tmp_path, kind, capsys):
    src = cv2.imread(str(need_real(REAL / "interwild_demo_eating_two_hands_holding.jpg")))
    if kind == "gray":
        img, name = cv2.cvtColor(src, cv2.COLOR_BGR2GRAY), "g.png"
    elif kind == "rgba":
        img, name = cv2.cvtColor(src, cv2.COLOR_BGR2BGRA), "a.png"
    elif kind == "gray16":
        img, name = cv2.cvtColor(src, cv2.COLOR_BGR2GRAY).astype(np.uint16) * 257, "g16.png"
    else:
        img, name = cv2.copyMakeBorder(src, 0, 1, 0, 1, cv2.BORDER_REPLICATE), "odd.png"
    path = tmp_path / name
    cv2.imwrite(str(path), img)
    out, log = tmp_path / "out.mp4", tmp_path / "p.jsonl"
    code, _ = _run(["process", str(path), "--out", str(out), "--poses", str(log)], capsys)
    assert code == 0
    assert count_video_frames(out) == 1
    (record,) = read_pose_log(log)
    if kind in ("rgba", "odd"):  # MediaPipe finds no hand on the grayscale versions
        assert record["hands"]["left"] or record["hands"]["right"]


def test_frame_without_hands_is_logged_empty(tmp_path, capsys):
    path = tmp_path / "black.png"
    cv2.imwrite(str(path), np.zeros((240, 320, 3), np.uint8))
    log = tmp_path / "p.jsonl"
    code, _ = _run(["process", str(path), "--poses", str(log)], capsys)
    assert code == 0
    (record,) = read_pose_log(log)
    assert record["hands"] == {"left": None, "right": None}


def test_unreadable_image_in_folder_is_skipped(tmp_path, capsys):
    folder = tmp_path / "seq"
    folder.mkdir()
    cv2.imwrite(str(folder / "0.png"), np.zeros((64, 64, 3), np.uint8))
    (folder / "1.png").write_bytes(b"junk")
    cv2.imwrite(str(folder / "2.png"), np.zeros((64, 64, 3), np.uint8))
    log = tmp_path / "p.jsonl"
    code, err = _run(["process", str(folder), "--poses", str(log)], capsys)
    assert code == 0 and "skipping" in err and "1.png" in err
    assert [r["frame"] for r in read_pose_log(log)] == [0, 2]


def test_missing_camera_fails_fast(capsys):
    start = time.monotonic()
    code, err = _run(["process", "camera:97"], capsys)
    assert code == 2 and "camera 97" in err
    assert time.monotonic() - start < 30


def test_bad_arguments(tmp_path, short_clip, capsys):
    code, err = _run(["process", str(short_clip), "--out", str(tmp_path / "x.avi")], capsys)
    assert code == 2 and ".mp4" in err
    code, err = _run(["process", "camera:x"], capsys)
    assert code == 2 and "camera:N" in err


def _start_cli(args):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "hdr_live.cli", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_lines(path, n, proc, timeout_s=120):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and sum(1 for _ in open(path)) >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} pose lines in {timeout_s}s")


def test_ctrl_c_leaves_playable_video_and_complete_log(tmp_path, clip_frames):
    folder = tmp_path / "seq"  # a long enough input: 40 frames
    folder.mkdir()
    for i, rgb in enumerate(clip_frames[:40]):
        cv2.imwrite(str(folder / f"{i:03d}.jpg"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    out, log = tmp_path / "o.mp4", tmp_path / "p.jsonl"
    proc = _start_cli(["process", str(folder), "--out", str(out), "--poses", str(log),
                       "--no-progress"])
    _wait_for_lines(log, 5, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted after" in err and "Traceback" not in err
    lines = list(read_pose_log(log))
    assert 5 <= len(lines) < 40
    assert count_video_frames(out) == len(lines)


def test_kill_9_keeps_the_frames_already_written(tmp_path, clip_frames):
    folder = tmp_path / "seq"
    folder.mkdir()
    for i, rgb in enumerate(clip_frames[:45]):
        cv2.imwrite(str(folder / f"{i:03d}.jpg"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    out, log = tmp_path / "o.mp4", tmp_path / "p.jsonl"
    proc = _start_cli(["process", str(folder), "--out", str(out), "--poses", str(log),
                       "--no-progress"])
    _wait_for_lines(log, 33, proc)
    proc.kill()
    proc.communicate(timeout=30)
    lines = list(read_pose_log(log))  # every line is whole JSON
    assert len(lines) >= 33
    # fragments end at keyframes (every 15 frames): at least the first two survive
    assert count_video_frames(out) >= 30
