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
