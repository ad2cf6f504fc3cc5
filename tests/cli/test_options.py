"""Flags → configuration (hdr_live.cli.options): the sub-commands agree on their flags and inputs,
and the defaults come from hdr_live.config."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hdr_live.accel.device import CPU
from hdr_live.cli.errors import CliError
from hdr_live.cli.options import camera_index, device_note, live_input, pipeline_config
from hdr_live.cli.parser import build_parser
from hdr_live.config import App, HasmKind, HdrmKind, InputKind, Mode, default_config


def _args(*argv: str):
    return build_parser().parse_args(list(argv))


@pytest.mark.parametrize("command", [["process", "x.mp4"], ["eval-2d", "--gt-dir", "d"],
                                     ["live", "camera:0"]])
def test_every_sub_command_takes_the_shared_flags(command):
    args = _args(*command, "--mirrored", "--mode", "mediapipe", "--hasm", "baseline",
                 "--hdrm", "learned", "--device", "cpu")
    assert args.mirrored and args.mode == "mediapipe"
    assert (args.hasm, args.hdrm, args.device) == ("baseline", "learned", "cpu")


def test_batch_flags_become_the_batch_defaults_with_the_choices_laid_over():
    config = pipeline_config(_args("process", "x.mp4", "--mirrored", "--hasm", "baseline"),
                             App.BATCH, InputKind.VIDEO)
    assert config.mirrored and config.hasm.backend is HasmKind.BASELINE
    assert config.hdrm == default_config(App.BATCH, InputKind.VIDEO).hdrm
    auto = pipeline_config(_args("process", "x.mp4"), App.BATCH, InputKind.IMAGES)
    assert auto.device.name == "cpu"  # resolved: the learned HASM runs
    assert dataclasses.replace(auto, device=CPU) == default_config(App.BATCH, InputKind.IMAGES)


def test_live_auto_backends_follow_the_live_defaults():
    config = pipeline_config(_args("live", "camera:0", "--device", "cpu"), App.LIVE,
                             InputKind.LIVE)
    assert dataclasses.replace(config, device=CPU) == default_config(App.LIVE, InputKind.LIVE)
    assert config.hasm.backend is HasmKind.LEARNED and config.hdrm.backend is HdrmKind.GATED
    for name, kind in (("off", HdrmKind.OFF), ("gated", HdrmKind.GATED),
                       ("baseline", HdrmKind.BASELINE)):
        chosen = pipeline_config(_args("live", "camera:0", "--device", "cpu", "--hdrm", name),
                                 App.LIVE, InputKind.LIVE)
        assert chosen.hdrm.backend is kind
    learned = pipeline_config(_args("live", "camera:0", "--device", "cpu", "--hasm", "learned",
                                    "--mode", "hdr"), App.LIVE, InputKind.LIVE)
    assert learned.hasm.backend is HasmKind.LEARNED and learned.mode is Mode.HDR


@pytest.mark.parametrize("argv, camera, clip", [
    (["camera:2"], 2, None),
    (["clip.mp4"], None, Path("clip.mp4")),
    (["--camera", "1"], 1, None),
    (["--source", "c.mp4"], None, Path("c.mp4")),
])
def test_live_input_from_the_positional_or_its_aliases(argv, camera, clip):
    got = live_input(_args("live", *argv))
    assert (got.camera, got.clip) == (camera, clip)
    assert got.input_kind is (InputKind.LIVE if camera is not None else InputKind.VIDEO)


@pytest.mark.parametrize("argv", [[], ["camera:0", "--camera", "1"]])
def test_live_needs_exactly_one_input(argv):
    with pytest.raises(CliError, match="one input"):
        live_input(_args("live", *argv))


def test_camera_index_parses_only_camera_n():
    assert camera_index("camera:0") == 0 and camera_index(" camera:12 ") == 12
    assert camera_index("camera:x") is None and camera_index("video.mp4") is None


def test_the_device_is_named_only_when_a_learned_network_runs():
    learned = pipeline_config(_args("process", "x.mp4"), App.BATCH, InputKind.VIDEO)
    assert device_note(learned).startswith(" on cpu (")
    baseline = pipeline_config(_args("process", "x.mp4", "--hasm", "baseline"), App.BATCH,
                               InputKind.VIDEO)
    assert device_note(baseline) == ""
