"""Path checks before any work: nothing read is overwritten, no output written twice, every
output writable, every input a regular file or folder. Nothing is written by the checks."""

import os

import pytest

from hdr_live.cli import paths
from hdr_live.cli.errors import CliError
from hdr_live.cli.paths import check_input_path, check_output_path, check_paths


@pytest.fixture
def clip(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"video bytes")
    return path


def _listing(folder):
    return sorted((p.name, p.stat().st_size) for p in folder.rglob("*"))


def test_output_that_is_the_input(tmp_path, clip, monkeypatch):
    before = _listing(tmp_path)
    (tmp_path / "link.mp4").symlink_to(clip)
    os.link(clip, tmp_path / "hard.mp4")
    monkeypatch.chdir(tmp_path)
    for out in (clip, "clip.mp4", "./sub/../clip.mp4", tmp_path / "link.mp4", "hard.mp4"):
        with pytest.raises(CliError, match="would overwrite the input"):
            check_paths([clip], {"--out": out})
    with pytest.raises(CliError, match="--poses .* would overwrite the input"):
        check_paths(["clip.mp4"], {"--out": None, "--poses": clip})
    assert clip.read_bytes() == b"video bytes"
    assert set(before) <= set(_listing(tmp_path))


def test_output_onto_an_image_of_the_input_folder(tmp_path):
    folder = tmp_path / "seq"
    folder.mkdir()
    (folder / "000.jpg").write_bytes(b"jpeg")
    with pytest.raises(CliError, match="would overwrite the input"):
        check_paths([folder], {"--poses": folder / "000.jpg"})
    check_paths([folder], {"--poses": folder / "poses.jsonl", "--out": tmp_path / "o.mp4"})
    assert _listing(folder) == [("000.jpg", 4)]


def test_two_outputs_on_one_file(tmp_path, clip):
    with pytest.raises(CliError, match="--out .* and --poses .* are the same file"):
        check_paths([clip], {"--out": tmp_path / "o.mp4", "--poses": tmp_path / "o.mp4"})


@pytest.mark.parametrize("out, message", [
    ("/proc/hdr_live_x.jsonl", "not a regular-file path"),
    ("/sys/hdr_live_x.jsonl", "not a regular-file path"),
    ("/dev/null", "not a regular file"),
    ("TMP", "is a folder"),
    ("TMP/clip.mp4/o.mp4", "is not a folder"),
])
def test_outputs_that_are_not_regular_files(tmp_path, clip, out, message):
    with pytest.raises(CliError, match=message):
        check_output_path("--poses", out.replace("TMP", str(tmp_path)))


def test_unwritable_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(paths.os, "access", lambda path, mode: False)
    with pytest.raises(CliError, match=r"--out .*o.mp4: cannot write in .*permission denied"):
        check_output_path("--out", tmp_path / "o.mp4")


def test_writable_outputs_pass_and_create_nothing(tmp_path, clip):
    check_paths([clip, "camera:0", None],
                {"--out": tmp_path / "new" / "deeper" / "o.mp4", "--poses": tmp_path / "p.jsonl",
                 "--record": None})
    assert not (tmp_path / "new").exists() and not (tmp_path / "p.jsonl").exists()
    existing = tmp_path / "old.jsonl"
    existing.write_text("keep")
    check_output_path("--poses", existing)
    assert existing.read_text() == "keep"


def test_inputs(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for bad, message in [("/dev/null", "not a regular file"), (fifo, "not a regular file"),
                         (tmp_path / "nope.mp4", "no such file or folder")]:
        with pytest.raises(CliError, match=message):
            check_input_path(bad)
        with pytest.raises(CliError, match=message):
            check_paths([bad], {})
    assert check_input_path(tmp_path) == tmp_path
