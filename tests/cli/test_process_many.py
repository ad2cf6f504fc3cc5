"""``process`` on many inputs: outputs per input in --out-dir, --jobs worker processes, skipping
complete outputs, a summary table, and the same per-clip task on a local Ray instance."""

from __future__ import annotations

import shutil

import pytest

from hdr_live.cli import main
from support import count_video_frames


@pytest.fixture(scope="module")
def four_clips(tmp_path_factory, short_clip):
    folder = tmp_path_factory.mktemp("clips")
    for i in range(4):
        shutil.copy(short_clip, folder / f"clip{i}.mp4")
    return folder


def _run(folder, out_dir, *extra):
    return main(["process", str(folder / "clip*.mp4"), "--out-dir", str(out_dir),
                 "--max-frames", "6", "--mode", "mediapipe", *extra])


def _outputs(out_dir):
    return {p.name: p.read_bytes() for p in sorted(out_dir.glob("*.poses.jsonl"))}


def test_many_inputs_one_after_the_other_then_resumed(four_clips, tmp_path, capsys):
    out = tmp_path / "seq"
    assert _run(four_clips, out) == 0
    table = capsys.readouterr().out
    assert table.count(" done ") == 4 and "both hands" in table
    assert sorted(p.name for p in out.glob("*.done.json")) == [f"clip{i}.done.json"
                                                                for i in range(4)]
    assert all(count_video_frames(out / f"clip{i}.mp4") == 6 for i in range(4))
    (out / "clip2.done.json").unlink()  # as if the run had stopped during clip2
    assert _run(four_clips, out) == 0
    table = capsys.readouterr().out
    assert table.count("skipped") == 3 and table.count(" done ") == 1


def test_two_worker_processes_write_the_same_outputs(four_clips, tmp_path):
    assert _run(four_clips, tmp_path / "seq") == 0
    assert _run(four_clips, tmp_path / "par", "--jobs", "2") == 0
    seq, par = _outputs(tmp_path / "seq"), _outputs(tmp_path / "par")
    assert len(seq) == 4 and seq == par


def test_inputs_with_one_stem_or_a_camera_are_refused(four_clips, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(four_clips / "clip0.mp4", other / "clip0.mp4")
    assert main(["process", str(four_clips / "clip0.mp4"), str(other / "clip0.mp4"),
                 "--out-dir", str(tmp_path / "o")]) == 2
    assert "same outputs" in capsys.readouterr().err
    assert main(["process", str(four_clips / "clip0.mp4"), "camera:0",
                 "--out-dir", str(tmp_path / "o")]) == 2
    assert main(["process", str(four_clips / "clip0.mp4"), str(four_clips / "clip1.mp4")]) == 2
    assert "--out-dir" in capsys.readouterr().err


def test_the_same_task_on_a_local_ray_instance(four_clips, tmp_path):
    pytest.importorskip("ray")
    assert _run(four_clips, tmp_path / "seq") == 0
    assert _run(four_clips, tmp_path / "ray", "--ray", "local", "--jobs", "2") == 0
    assert _outputs(tmp_path / "ray") == _outputs(tmp_path / "seq")


def test_a_failing_clip_is_reported_and_the_others_go_on(four_clips, tmp_path, capsys):
    broken = tmp_path / "in"
    broken.mkdir()
    shutil.copy(four_clips / "clip0.mp4", broken / "clip0.mp4")
    (broken / "clip1.mp4").write_bytes(b"not a video at all")
    shutil.copy(four_clips / "clip2.mp4", broken / "clip2.mp4")
    assert _run(broken, tmp_path / "out") == 2
    table = capsys.readouterr().out
    assert table.count(" done ") == 2 and "failed" in table
    assert not (tmp_path / "out" / "clip1.done.json").exists()


def test_a_changed_setting_redoes_the_clip(four_clips, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(four_clips, out) == 0
    capsys.readouterr()
    assert _run(four_clips, out, "--export", ".npz") == 0  # the marker's job differs
    assert capsys.readouterr().out.count(" done ") == 4
    assert len(list(out.glob("*.npz"))) == 4


def test_ctrl_c_stops_a_many_clip_run_and_it_resumes(four_clips, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "hdr_live.cli", "process", str(four_clips / "clip*.mp4"),
           "--out-dir", str(out), "--mode", "mediapipe"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob("*.done.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and len(list(out.glob("*.done.json"))) < 4
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "skipped" in again.stdout
    assert len(list(out.glob("*.done.json"))) == 4
