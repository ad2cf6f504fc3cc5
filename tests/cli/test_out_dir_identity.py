"""``--out-dir`` markers know their input's content, and a lock keeps two runs apart (issue
"Real-world inputs and faults", rows 4 and 10)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from hdr_live.cli import main
from hdr_live.many import input_identity, out_dir_lock

DEMO = Path(__file__).resolve().parents[2] / "assets" / "demo_two_hands.mp4"


def _run(folder: Path, out_dir: Path) -> int:
    return main(["process", str(folder / "*.mp4"), "--out-dir", str(out_dir),
                 "--max-frames", "3", "--mode", "mediapipe"])


def test_an_input_replaced_under_its_name_is_processed_again(tmp_path, short_clip, capsys):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    clip = folder / "clip0.mp4"
    shutil.copy(short_clip, clip)
    assert _run(folder, out) == 0
    first = (out / "clip0.poses.jsonl").read_text()
    assert _run(folder, out) == 0 and "skipped" in capsys.readouterr().err
    stat = clip.stat()
    shutil.copy(DEMO, clip)  # another clip under the same name, with the old time
    os.utime(clip, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _run(folder, out) == 0
    assert "clip0.mp4: done" in capsys.readouterr().err
    again = (out / "clip0.poses.jsonl").read_text()
    assert again != first
    assert json.loads(again.splitlines()[0])["size_wh"] == [640, 480]
    marker = json.loads((out / "clip0.done.json").read_text())
    assert marker["input"] == input_identity(str(clip))


def test_identity_of_a_folder_changes_with_any_image(tmp_path):
    (tmp_path / "a.png").write_bytes(b"one")
    (tmp_path / "b.png").write_bytes(b"two")
    before = input_identity(str(tmp_path))
    (tmp_path / "b.png").write_bytes(b"tw0")
    assert before["files"] == 2 and input_identity(str(tmp_path))["sha256"] != before["sha256"]
    assert input_identity(str(tmp_path / "missing.mp4")) == {}


def test_a_second_run_into_the_same_folder_is_refused(tmp_path, short_clip, capsys):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    out.mkdir()
    shutil.copy(short_clip, folder / "clip0.mp4")
    with out_dir_lock(out):
        assert _run(folder, out) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("hdr-live: error: another hdr-live run") and str(out) in err
    assert not (out / "clip0.poses.jsonl").exists()
    assert _run(folder, out) == 0  # released


def test_a_long_name_works_and_a_too_long_one_is_refused_before_any_work(tmp_path, short_clip,
                                                                          capsys):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    fits = folder / ("c" * 240 + ".mp4")  # <stem>.poses.jsonl is 252 bytes
    shutil.copy(short_clip, fits)
    assert _run(folder, out) == 0
    assert (out / ("c" * 240 + ".done.json")).is_file()
    assert _run(folder, out) == 0 and "skipped" in capsys.readouterr().err
    fits.unlink()
    shutil.copy(short_clip, folder / ("c" * 250 + ".mp4"))
    assert _run(folder, out) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("hdr-live: error: ") and "longer than a file name may be" in err
