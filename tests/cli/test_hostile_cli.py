"""Hostile input through the command line ("nothing lost, nothing overwritten").

Every refusal is exit code 2 with ONE line on stderr, ``hdr-live: error: …`` (argparse's own
``usage: …`` + one error line for a bad flag value), and leaves every input byte for byte as it
was and no output behind. Work that can be done is done: a tiny image, a clip with a damaged
middle. A ``kill -9`` leaves a pose log of whole JSON lines and an MP4 at most one frame behind.
A bounded fuzz of the real flags never gets anything but a Namespace or argparse's exit.

Inputs are copies in ``tmp_path`` (the bundled clip is never written next to); real footage is
read in place (read-only) and skipped with a reason when absent.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from support import CLIP, REPO, count_video_frames, need_real

from hdr_live.cli import main
from hdr_live.cli.parser import build_parser

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))  # the fuzz suite's settings
from fuzz_settings import fuzz_settings

DEMO = REPO / "assets" / "demo_two_hands.mp4"
SUBPROCESS_S = 120.0  # bound for "did not hang" (model loading on busy cores), not a speed claim


# helpers ------------------------------------------------------------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _snapshot(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` → its sha256 (files, through links) or a kind marker."""
    snap = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            snap[rel] = "link->" + os.readlink(p) + (":" + _sha(p) if p.is_file() else "")
        elif p.is_dir():
            snap[rel] = "dir"
        else:
            snap[rel] = _sha(p)
    return snap


def _cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """``main(argv)`` in this process: (exit code, stdout, stderr); argparse's exit counts."""
    capsys.readouterr()
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    return code, captured.out, captured.err


def _one_error_line(err: str) -> str:
    """The single ``hdr-live: error: …`` line that is all of stderr."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("hdr-live: error: "), lines
    return lines[0]


def _usage_error(err: str, command: str, flag: str) -> str:
    """argparse's refusal: ``usage: …`` (may wrap) and one ``hdr-live CMD: error:`` line last."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and lines[0].startswith(f"usage: hdr-live {command}"), lines
    errors = [line for line in lines if "error:" in line]
    assert errors == [lines[-1]], lines
    assert lines[-1].startswith(f"hdr-live {command}: error: argument {flag}"), lines
    return lines[-1]


def _image(path: Path, h: int = 64, w: int = 64, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rgb = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    assert cv2.imwrite(str(path), rgb)
    return path


def _console_script() -> list[str]:
    """The installed ``hdr-live`` script beside this interpreter, else ``python -m``."""
    script = Path(sys.executable).parent / "hdr-live"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "hdr_live.cli"]


def _env_without_display() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@contextlib.contextmanager
def hang_guard(seconds: float):
    """fuzz_settings.hang_guard, writing to the process's own stderr: under ``capsys``
    ``sys.stderr`` has no file descriptor for faulthandler."""
    faulthandler.dump_traceback_later(seconds, exit=True, file=sys.__stderr__)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    """A scratch folder, the current directory, holding a copy of the bundled clip
    (``clip.mp4``), a 64×64 image (``img.png``), a folder of three images (``seq/``) and a
    folder with a video's name (``film.mp4/``)."""
    shutil.copyfile(DEMO, tmp_path / "clip.mp4")
    (tmp_path / "film.mp4").mkdir()
    _image(tmp_path / "img.png")
    for i in range(3):
        _image(tmp_path / "seq" / f"{i:03d}.png", seed=i + 1)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# 1. an output onto an input, or two outputs onto one file ------------------------------------


def _links(work: Path) -> None:
    (work / "link.mp4").symlink_to(work / "clip.mp4")
    os.link(work / "clip.mp4", work / "hard.mp4")
    (work / "sub").mkdir()


OVERWRITES = {
    "same name": ["process", "clip.mp4", "--out", "clip.mp4"],
    "absolute input, ./ output": ["process", "WORK/clip.mp4", "--out", "./clip.mp4"],
    "sub/.. spelling": ["process", "clip.mp4", "--out", "./sub/../clip.mp4"],
    "output through a symlink": ["process", "WORK/clip.mp4", "--out", "link.mp4"],
    "input through a symlink": ["process", "link.mp4", "--out", "WORK/clip.mp4"],
    "output through a hard link": ["process", "clip.mp4", "--out", "hard.mp4"],
    "poses onto the clip": ["process", "clip.mp4", "--poses", "./clip.mp4"],
    "image --out onto itself": ["process", "img.png", "--out", "img.png"],
    "image --poses onto itself": ["process", "img.png", "--poses", "img.png"],
    "export onto the clip": ["process", "clip.mp4", "--export", "clip.mp4"],
    "export onto the image": ["process", "img.png", "--out", "o.png", "--export", "./img.png"],
    "poses onto an image of the input folder": ["process", "seq", "--poses", "seq/001.png"],
    "--out-dir naming the input": ["process", "clip.mp4", "--out-dir", "."],
}


@pytest.mark.parametrize("argv", OVERWRITES.values(), ids=OVERWRITES.keys())
def test_an_output_onto_an_input_is_refused_and_nothing_changes(work, argv, capsys):
    _links(work)
    before = _snapshot(work)
    code, _, err = _cli([a.replace("WORK", str(work)) for a in argv], capsys)
    assert code == 2
    line = _one_error_line(err)
    assert "would overwrite the input" in line and "choose another output file" in line
    assert _snapshot(work) == before  # inputs byte for byte, no output created


TWO_ON_ONE = {
    "--out and --poses": ["process", "clip.mp4", "--out", "x.mp4", "--poses", "x.mp4"],
    "--out and --poses, two spellings": ["process", "clip.mp4", "--out", "x.mp4",
                                         "--poses", "WORK/sub/../x.mp4"],
    "--poses and --export": ["process", "clip.mp4", "--poses", "x.csv", "--export", "./x.csv"],
    "--out and --export through a link": ["process", "img.png", "--out", "o.png",
                                          "--export", "olink.png"],
}


@pytest.mark.parametrize("argv", TWO_ON_ONE.values(), ids=TWO_ON_ONE.keys())
def test_two_outputs_on_one_file_are_refused(work, argv, capsys):
    _links(work)
    (work / "olink.png").symlink_to(work / "o.png")  # dangling until o.png would exist
    before = _snapshot(work)
    code, _, err = _cli([a.replace("WORK", str(work)) for a in argv], capsys)
    assert code == 2
    line = _one_error_line(err)
    assert "are the same file" in line and "give each output its own file" in line
    assert _snapshot(work) == before


def test_the_same_export_twice_is_refused_before_any_work(work, capsys):
    """Two ``--export`` flags naming one file are two outputs on one file, like --out/--poses."""
    before = _snapshot(work)
    code, _, err = _cli(["process", "img.png", "--mode", "mediapipe", "--max-frames", "1",
                         "--export", "e.npz", "--export", "./e.npz"], capsys)
    assert code == 2, err
    assert "same file" in _one_error_line(err)
    assert _snapshot(work) == before


def test_the_console_script_refuses_an_output_onto_its_input(work):
    before = _snapshot(work)
    result = subprocess.run([*_console_script(), "process", "clip.mp4", "--out", "./clip.mp4"],
                            cwd=work, capture_output=True, text=True, timeout=SUBPROCESS_S,
                            check=False)
    assert result.returncode == 2, result.stderr
    assert "would overwrite the input" in _one_error_line(result.stderr)
    assert result.stdout == ""
    assert _snapshot(work) == before


# 2. bad flag values: argparse's one-line refusal -------------------------------------------


BAD_VALUES = {
    "fps 0": ("process", "--fps", ["process", "seq", "--fps", "0"]),
    "fps -5": ("process", "--fps", ["process", "seq", "--fps", "-5"]),
    "fps nan": ("process", "--fps", ["process", "seq", "--fps", "nan"]),
    "fps inf": ("process", "--fps", ["process", "seq", "--fps", "inf"]),
    "fps huge": ("process", "--fps", ["process", "seq", "--fps", "1e400"]),
    "fps text": ("process", "--fps", ["process", "seq", "--fps", "fast"]),
    "fps empty": ("process", "--fps", ["process", "seq", "--fps", ""]),
    "max-frames 0": ("process", "--max-frames", ["process", "seq", "--max-frames", "0"]),
    "max-frames -1": ("process", "--max-frames", ["process", "seq", "--max-frames", "-1"]),
    "max-frames x": ("process", "--max-frames", ["process", "seq", "--max-frames", "x"]),
    "max-frames 1.5": ("process", "--max-frames", ["process", "seq", "--max-frames", "1.5"]),
    "jobs 0": ("process", "--jobs", ["process", "seq", "--jobs", "0"]),
    "eval fps nan": ("eval-2d", "--fps", ["eval-2d", "--gt-dir", "seq", "--fps", "nan"]),
    "live camera -1": ("live", "--camera", ["live", "--camera", "-1"]),
    "live camera x": ("live", "--camera", ["live", "--camera", "x"]),
    "live quit-after-frames 0": ("live", "--quit-after-frames",
                                 ["live", "clip.mp4", "--quit-after-frames", "0"]),
}


@pytest.mark.parametrize("command, flag, argv", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_a_bad_flag_value_is_refused_at_parse_time(work, command, flag, argv, capsys):
    outputs = {"process": ["--out", "o.mp4", "--poses", "p.jsonl"],
               "eval-2d": ["--csv", "e.csv"], "live": ["--record", "r.mp4"]}[command]
    before = _snapshot(work)
    with pytest.raises(SystemExit) as parsed:  # argparse itself, before any command runs
        build_parser().parse_args(argv + outputs)
    assert parsed.value.code == 2
    code, out, err = _cli(argv + outputs, capsys)
    assert code == 2 and out == ""
    _usage_error(err, command, flag)
    assert _snapshot(work) == before


# 3. eval-2d: ground truth of the wrong shape or with non-finite numbers ---------------------


def _gt(right: object, **extra: object) -> dict:
    return {"image": "img.png", "left": None, "right": right, **extra}


_HAND = [[10.0 + j, 20.0 + j] for j in range(21)]

BAD_GT = {
    "20 joints": (json.dumps(_gt(_HAND[:20])),
                  "'right': expected null or a list of 21 joints, got 20"),
    "22 joints": (json.dumps(_gt(_HAND + [[1.0, 2.0]])), "got 22"),
    "NaN in 2D": (json.dumps(_gt([[math.nan, 1.0]] + _HAND[1:])), "finite numbers"),
    "Infinity in 3D": (json.dumps(_gt(_HAND, right_3d_cam_mm=[[0.0, 0.0, math.inf]] * 21)),
                       "'right_3d_cam_mm'"),
    "1e999 overflows to inf": (json.dumps(_gt(_HAND)).replace("10.0", "1e999", 1),
                               "finite numbers"),
    "a joint of 3 numbers in 2D": (json.dumps(_gt([[1.0, 2.0, 3.0]] + _HAND[1:])),
                                   "null or 2 finite numbers"),
    "a string for a number": (json.dumps(_gt([["1", 2.0]] + _HAND[1:])), "finite numbers"),
    "a bool for a number": (json.dumps(_gt([[True, 2.0]] + _HAND[1:])), "finite numbers"),
    "not JSON": ('{"right": [[1, 2]', "cannot read ground truth"),
    "a list, not an object": ("[1, 2, 3]", "expected a JSON object"),
}


@pytest.mark.parametrize("text, message", BAD_GT.values(), ids=BAD_GT.keys())
def test_bad_ground_truth_is_one_line_naming_the_file(tmp_path, text, message, capsys):
    gt_dir = tmp_path / "gt"
    _image(gt_dir / "img.png")
    (gt_dir / "img.gt.json").write_text(text, encoding="utf-8")
    before = _snapshot(tmp_path)
    code, _, err = _cli(["eval-2d", "--gt-dir", gt_dir, "--mode", "mediapipe",
                         "--csv", tmp_path / "e.csv"], capsys)
    assert code == 2
    line = _one_error_line(err)
    assert str(gt_dir / "img.gt.json") in line and message in line, line
    assert _snapshot(tmp_path) == before


def test_the_real_ground_truth_shape_is_accepted(tmp_path, capsys):
    """The control: the same folder with 21 joints scores (so the refusals above are about the
    data, not the folder)."""
    gt_dir = tmp_path / "gt"
    _image(gt_dir / "img.png")
    (gt_dir / "img.gt.json").write_text(json.dumps(_gt(_HAND)), encoding="utf-8")
    code, out, err = _cli(["eval-2d", "--gt-dir", gt_dir, "--mode", "mediapipe"], capsys)
    assert code == 0, err
    assert out.strip().splitlines()[-1].startswith("summary mode=mediapipe: hands found 0/1")


# 4. paths that are not regular files, or cannot be written --------------------------------


NOT_WRITABLE = {
    "--poses under /proc": (["process", "img.png", "--poses", "/proc/x.jsonl"],
                            "--poses /proc/x.jsonl is not a regular-file path"),
    "--out under /proc/self": (["process", "clip.mp4", "--out", "/proc/self/o.mp4"],
                               "proc pseudo file system"),
    "--out in a new folder under /proc/self": (
        ["process", "clip.mp4", "--out", "/proc/self/new/deeper/o.mp4"], "pseudo file system"),
    "--poses under /sys": (["process", "img.png", "--poses", "/sys/p.jsonl"],
                           "sysfs pseudo file system"),
    "--export under /sys": (["process", "img.png", "--export", "/sys/kernel/e.npz"],
                            "pseudo file system"),
    "/dev/null as input": (["process", "/dev/null", "--poses", "p.jsonl"],
                           "/dev/null is not a regular file"),
    "/dev/null as --poses": (["process", "img.png", "--poses", "/dev/null"],
                             "--poses /dev/null is not a regular file"),
    "a folder as --out": (["process", "clip.mp4", "--out", "film.mp4"],
                          "--out film.mp4 is a folder"),
    "a folder as --poses": (["process", "clip.mp4", "--poses", "."], "is a folder"),
    "a file as the folder of --out": (["process", "clip.mp4", "--out", "img.png/o.mp4"],
                                      "img.png is not a folder"),
    "live --record under /proc/self": (["live", "clip.mp4", "--record", "/proc/self/r.mp4"],
                                       "--record /proc/self/r.mp4 is not a regular-file path"),
    "live --screenshot a folder": (["live", "clip.mp4", "--screenshot", "seq"], "is a folder"),
}


@pytest.mark.parametrize("argv, message", NOT_WRITABLE.values(), ids=NOT_WRITABLE.keys())
def test_an_output_that_cannot_be_a_regular_file_is_refused(work, argv, message, capsys,
                                                            monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # live: past the display check
    before = _snapshot(work)
    code, _, err = _cli(argv, capsys)
    assert code == 2
    assert message in _one_error_line(err)
    assert _snapshot(work) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root bypasses file permissions (the /proc and "
                    "/sys cases above cover a folder root cannot write)")
def test_an_unwritable_folder_is_refused(work, capsys):
    locked = work / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        before = _snapshot(work)
        code, _, err = _cli(["process", "img.png", "--out", locked / "o.png"], capsys)
        assert code == 2
        assert "cannot write in" in _one_error_line(err) and "permission denied" in err
        assert _snapshot(work) == before
    finally:
        locked.chmod(0o700)


# 5. live without a display ----------------------------------------------------------------


def test_live_without_a_display_is_one_line_not_a_qt_abort(work, monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    before = _snapshot(work)
    code, _, err = _cli(["live", "clip.mp4", "--record", "r.mp4"], capsys)
    assert code == 2
    line = _one_error_line(err)
    assert "no display for the live window" in line and "xvfb-run" in line
    assert _snapshot(work) == before


def test_live_without_a_display_exits_2_as_a_process(work):
    result = subprocess.run([*_console_script(), "live", "clip.mp4"], cwd=work,
                            env=_env_without_display(), capture_output=True, text=True,
                            timeout=SUBPROCESS_S, check=False)
    assert result.returncode == 2, (result.returncode, result.stderr)  # not 134 / -6 (abort)
    assert "xvfb-run" in _one_error_line(result.stderr)


# 6. a tiny image is processed -------------------------------------------------------------


def test_a_64x64_image_becomes_a_64x64_png(work, capsys):
    sha = _sha(work / "img.png")
    code, _, err = _cli(["process", "img.png", "--out", "out.png", "--poses", "p.jsonl"], capsys)
    assert code == 0, err
    annotated = cv2.imread(str(work / "out.png"))
    assert annotated is not None and annotated.shape == (64, 64, 3)
    assert annotated.dtype == np.uint8
    assert len((work / "p.jsonl").read_text().splitlines()) == 1
    assert _sha(work / "img.png") == sha


# 7. kill -9 during process ----------------------------------------------------------------


def test_kill_9_leaves_whole_pose_lines_and_the_mp4_at_most_one_frame_behind(tmp_path):
    """The muxer holds the newest frame until the next one comes, and the video frame is written
    before the pose line: after SIGKILL the MP4 has (pose lines - 1) or (pose lines) frames.
    (tests/test_bad_input.py kills a folder run and asserts only >= 30 frames.)"""
    clip = need_real(CLIP)
    sha = _sha(clip)
    out, log = tmp_path / "o.mp4", tmp_path / "p.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hdr_live.cli", "process", str(clip), "--out", str(out),
         "--poses", str(log), "--mode", "mediapipe", "--no-progress"],
        cwd=tmp_path, env=dict(os.environ, PYTHONUNBUFFERED="1"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + SUBPROCESS_S
        while not (log.exists() and log.read_bytes().count(b"\n") >= 10):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "fewer than 10 pose lines before the deadline"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    text = log.read_text(encoding="utf-8")
    assert text.endswith("\n")
    records = [json.loads(line) for line in text.splitlines()]  # every line whole JSON
    lines = len(records)
    assert lines >= 10 and [r["frame"] for r in records] == list(range(lines))
    frames = count_video_frames(out)
    assert lines - 1 <= frames <= lines, (lines, frames)
    assert _sha(clip) == sha


# 8. a clip with a damaged middle ----------------------------------------------------------


def _damage_middle(src: Path, dst: Path, n: int = 4000, seed: int = 0) -> Path:
    data = bytearray(src.read_bytes())
    mid = len(data) // 2
    data[mid:mid + n] = np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()
    dst.write_bytes(bytes(data))
    return dst


def _process_damaged(clip: Path, tmp_path: Path, capsys) -> tuple[int, str, list[dict], int]:
    out, log = tmp_path / "o.mp4", tmp_path / "p.jsonl"
    sha = _sha(clip)
    code, _, err = _cli(["process", clip, "--out", out, "--poses", log, "--mode", "mediapipe",
                         "--no-progress"], capsys)
    assert _sha(clip) == sha
    if code == 2:  # nothing decodes: one line, nothing written
        _one_error_line(err)
        assert not out.exists()
        return code, err, [], 0
    assert code == 0, err
    records = [json.loads(line) for line in log.read_text().splitlines()]
    frames = count_video_frames(out)
    assert len(records) == frames > 0
    assert [r["frame"] for r in records] == list(range(frames))
    times = [r["t_s"] for r in records]
    assert times[0] >= 0 and all(a < b for a, b in itertools.pairwise(times)), times
    return code, err, records, frames


def test_a_clip_with_a_damaged_middle_is_processed_around_the_damage(tmp_path, capsys):
    clip = _damage_middle(DEMO, tmp_path / "damaged.mp4")
    code, err, _, frames = _process_damaged(clip, tmp_path, capsys)
    assert code == 0
    warning = re.search(r"^hdr-live: warning: .*damaged\.mp4: skipped (\d+) undecodable "
                        r"packet\(s\) or frame\(s\).*; (\d+) of 90 frames decoded$", err,
                        re.MULTILINE)
    assert warning, err
    skipped, decoded = int(warning.group(1)), int(warning.group(2))
    assert skipped >= 1 and decoded == frames and frames < 90


def test_a_fragmented_clip_with_a_damaged_middle_warns_about_what_was_lost(tmp_path,
                                                                           short_clip, capsys):
    """``short_clip`` is written by hdr-live's own Mp4Writer (fragmented MP4: no frame count in
    its header). Damage in the middle ends the demuxer early; the frames lost must not go
    unmentioned."""
    clip = _damage_middle(short_clip, tmp_path / "damaged.mp4")
    code, err, _, frames = _process_damaged(clip, tmp_path, capsys)
    if code == 0 and frames < 12:
        warned = re.search(r"^hdr-live: warning: .*damaged\.mp4: .*(skipped|ended)", err,
                           re.MULTILINE)
        assert warned, f"{frames} of 12 frames processed and no warning on stderr: {err!r}"


# beyond the brief: numbers past a C integer, and exports (found while writing these) ------


def test_a_max_frames_beyond_sys_maxsize_is_not_a_traceback(work, capsys):
    code, _, err = _cli(["process", "img.png", "--mode", "mediapipe", "--poses", "p.jsonl",
                         "--max-frames", str(10 ** 20)], capsys)
    assert code in (0, 2), err


@pytest.mark.parametrize("argv", [["process", "camera:99999999999999999999"],
                                  ["live", "--camera", "99999999999999999999"]],
                         ids=["process camera:huge", "live --camera huge"])
def test_a_camera_index_beyond_a_c_int_is_one_line(work, argv, capsys):
    code, _, err = _cli(argv, capsys)
    assert code == 2
    if argv[0] == "live":  # a flag value: refused by argparse
        _usage_error(err, "live", "--camera")
    else:
        _one_error_line(err)


def test_a_bare_export_suffix_without_out_dir_is_refused_before_any_work(work, capsys):
    """``--export .npz`` (the --out-dir form) for a single input: refused up front, not a
    ValueError after the run."""
    code, _, err = _cli(["process", "img.png", "--mode", "mediapipe", "--poses", "p.jsonl",
                         "--export", ".npz"], capsys)
    assert code == 2, err
    _one_error_line(err)
    assert not (work / "p.jsonl").exists()


# 9. fuzz: random argument lists from the real flags ----------------------------------------


def _sub_parsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


SUB_PARSERS = _sub_parsers()

_GOOD_NUMBERS = ["1", "2", "3", "30", "24", "0.5", "12.5", "999"]
_BAD_NUMBERS = ["0", "-0", "-1", "-5", "1e-9", "1000.5", "nan", "NaN", "-nan", "inf", "-inf",
                "Infinity", "1e309", str(2 ** 63), str(10 ** 30), "0x10", "1_000", " 3 ", "",
                " ", "x", "--", "-", "camera:0"]
_PATHS = ["o.mp4", "o.png", "p.jsonl", "e.npz", ".npz", "x.fbx", "/dev/null", "/proc/x.jsonl",
          "/sys/x.png", "", ".", "..", "seq", "camera:0", "camera:-1", "camera:x",
          "missing/deeper/o.mp4", "\u00e9t\u00e9.mp4", "-o.mp4", "--out"]
_TEXT = st.text(max_size=12)
_ANY = st.one_of(st.sampled_from(_BAD_NUMBERS + _PATHS), st.integers(-10 ** 12, 10 ** 12).map(str),
                 st.floats(allow_nan=True, allow_infinity=True).map(repr), _TEXT)
_NUMBER = st.one_of(st.sampled_from(_GOOD_NUMBERS), st.sampled_from(_BAD_NUMBERS),
                    st.integers(-10 ** 30, 10 ** 30).map(str),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr))
_PATH = st.one_of(st.sampled_from(_PATHS), _TEXT)


_PLAIN_PATHS = ["o.mp4", "o.png", "p.jsonl", "e.npz", "seq", "clip.mp4", "camera:0"]


def _values_for(action: argparse.Action, hostile: bool) -> st.SearchStrategy:
    """Values for one flag, by what it takes (its choices, a number, a path): plausible ones,
    or, when ``hostile``, those mixed with out-of-range numbers, odd paths and any text."""
    if action.choices:
        plain, typed = st.sampled_from(list(action.choices)), st.sampled_from(list(action.choices))
    elif action.type is Path or action.type is None:  # paths; --ray ADDRESS, INPUT: free text
        plain, typed = st.sampled_from(_PLAIN_PATHS), _PATH
    else:  # the number types of hdr_live.cli.arg_types
        plain, typed = st.sampled_from(_GOOD_NUMBERS), _NUMBER
    return st.one_of(typed, typed, _ANY) if hostile else plain


def _flag_tokens(parser: argparse.ArgumentParser, hostile: bool) -> st.SearchStrategy:
    """One flag of ``parser`` as its argv tokens: the flag alone (store_true, help), or with a
    value as a separate token or as ``--flag=value``."""
    options = []
    for action in parser._actions:
        for flag in action.option_strings:
            if action.nargs == 0:
                options.append(st.just([flag]))
                continue
            values = _values_for(action, hostile)
            options.append(values.map(lambda v, f=flag: [f, v]))
            options.append(values.map(lambda v, f=flag: [f"{f}={v}"]))
    return st.one_of(options)


def _positional_tokens(parser: argparse.ArgumentParser, hostile: bool) -> st.SearchStrategy:
    """One positional value (``INPUT``), or nothing for a sub-command without positionals."""
    positionals = [a for a in parser._actions if not a.option_strings]
    if not positionals:
        return st.just([])
    return st.one_of([_values_for(a, hostile).map(lambda v: [v]) for a in positionals])


@st.composite
def _argv(draw) -> list[str]:
    """``[command, …]``: flags of that sub-command (drawn from the parser itself) and its
    positionals in any order; hostile examples (two in three) add odd values and a stray
    token now and then."""
    command = draw(st.sampled_from(sorted(SUB_PARSERS)))
    parser = SUB_PARSERS[command]
    hostile = draw(st.sampled_from([True, True, False]))
    if hostile:
        items = draw(st.lists(_positional_tokens(parser, hostile), max_size=2))
        items += draw(st.lists(_ANY.map(lambda v: [v]), max_size=1))
    else:  # what the sub-command needs: process one INPUT, live at most one, eval-2d --gt-dir
        items = draw(st.lists(_positional_tokens(parser, hostile), min_size=command == "process",
                              max_size=1))
        items += [["--gt-dir", "gt"]] if command == "eval-2d" else []
    items += draw(st.lists(_flag_tokens(parser, hostile), max_size=6))
    items = draw(st.permutations(items))
    return [command] + [token for item in items for token in item]


@fuzz_settings(60)
@given(argv=_argv())
def test_fuzz_parsing_gives_a_namespace_or_argparse_exit(argv, capsys):
    with hang_guard(60):
        try:
            ns = build_parser().parse_args(argv)
        except SystemExit as exc:
            assert exc.code in (0, 2), exc.code
            event(f"SystemExit({exc.code})")
        else:
            assert isinstance(ns, argparse.Namespace) and ns.command == argv[0]
            event("Namespace")
    capsys.readouterr()


_PROCESS = SUB_PARSERS["process"]
_SKIP_FLAGS = {"--ray", "-h", "--help"}  # --ray would start a Ray instance; help is parse-only


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz_cli")


def _fresh_inputs(folder: Path) -> Path:
    """A new scratch folder for one example: ``in.png`` (64×48) and ``seq/000.png`` (32×32)."""
    run = folder / "run"
    shutil.rmtree(run, ignore_errors=True)
    _image(run / "in.png", 48, 64)
    _image(run / "seq" / "000.png", 32, 32)
    return run


def _process_flag(values: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    options = []
    for action in _PROCESS._actions:
        flag = action.option_strings[-1] if action.option_strings else None
        if flag is None or flag in _SKIP_FLAGS:
            continue
        if action.nargs == 0:
            options.append(st.just([flag]))
            continue
        kind = "path" if action.type is Path else "choice" if action.choices else "number"
        pool = values[kind]
        if action.choices:
            pool = st.one_of(st.sampled_from(list(action.choices)), pool)
        options.append(pool.map(lambda v, f=flag: [f, v]))
    return st.one_of(options)


_RUN_VALUES = {
    "number": st.sampled_from(["1", "2", "0", "-1", "nan", "inf", "1e309", "30", "0.01", "x", ""]),
    "choice": st.sampled_from(["auto", "off", "bogus", ""]),
    "path": st.sampled_from(["out/o.mp4", "out/o.png", "out/p.jsonl", "out/e.npz", "out/e.csv",
                             ".csv", "out/o.avi", "in.png", "./in.png", "seq/000.png", "seq",
                             "od", "/proc/self/o.mp4", "/dev/null", "out"]),
}


@fuzz_settings(8)
@given(flags=st.lists(_process_flag(_RUN_VALUES), max_size=4),
       source=st.sampled_from(["in.png", "seq"]))
def test_fuzz_process_runs_end_in_0_or_2_never_a_traceback(fuzz_folder, monkeypatch, capsys,
                                                            flags, source):
    run = _fresh_inputs(fuzz_folder)
    monkeypatch.chdir(run)  # relative outputs stay in the scratch folder
    inputs = {p: _sha(p) for p in [run / source] + sorted((run / source).glob("*"))
              if p.is_file()}
    argv = ["process", source, "--mode", "mediapipe", "--hasm", "baseline", "--no-progress",
            *[token for item in flags for token in item], "--max-frames", "1"]
    with hang_guard(300):
        capsys.readouterr()
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
            assert code == 2, (argv, code)
    err = capsys.readouterr().err
    event(f"exit {code}" + (" (usage)" if err.startswith("usage:") else ""))
    assert code in (0, 2), (argv, code, err)
    assert "Traceback" not in err
    if code == 2 and not err.startswith("usage:"):
        assert [line for line in err.splitlines() if "error:" in line][-1].startswith(
            "hdr-live: error: "), err
    assert {p: _sha(p) for p in inputs} == inputs, argv  # no input overwritten
