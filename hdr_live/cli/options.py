"""Parsed flags → the one configuration (:class:`~hdr_live.config.PipelineConfig`), for every
sub-command; and the live app's own options.

The device is resolved only when a learned network is part of the pipeline (a baseline-only
``process`` never imports PyTorch).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path

from hdr_live.accel.device import DevicePreference
from hdr_live.cli.errors import CliError
from hdr_live.config import (App, HasmKind, HdrmKind, InputKind, Mode, PipelineConfig,
                             ShpeKind, StageChoices, config_for, device_note)

__all__ = ["camera_index", "device_note", "live_input", "pipeline_config", "stage_choices"]

_CAMERA = re.compile(r"camera:(\d+)")


def _kind_or_auto(value: str, kind):
    return None if value == "auto" else kind(value)


def stage_choices(args: argparse.Namespace) -> StageChoices:
    """The shared flags (``--mode --mirrored --hasm --hdrm --device --tensorrt --focal-px
    --no-3d``) as typed choices."""
    return StageChoices(mode=Mode(args.mode), mirrored=args.mirrored,
                        hasm=_kind_or_auto(args.hasm, HasmKind),
                        hdrm=_kind_or_auto(args.hdrm, HdrmKind), shpe=ShpeKind(args.shpe),
                        device=DevicePreference(args.device), tensorrt=args.tensorrt,
                        focal_px=args.focal_px, threed=not args.no_3d)


def pipeline_config(args: argparse.Namespace, app: App, input_kind: InputKind) -> PipelineConfig:
    """The configuration the shared flags ask for, on top of ``app``'s defaults for
    ``input_kind`` (:func:`hdr_live.config.config_for`).

    Raises:
        hdr_live.accel.device.DeviceError: ``--device cuda`` on a machine without CUDA.
    """
    return config_for(stage_choices(args), app, input_kind)


def camera_index(text: str) -> int | None:
    """N for an input written ``camera:N``, else None."""
    m = _CAMERA.fullmatch(text.strip())
    return int(m.group(1)) if m else None


@dataclasses.dataclass(frozen=True)
class LiveInput:
    """The live app's input: a camera index or a clip (exactly one)."""

    camera: int | None
    clip: Path | None

    @property
    def input_kind(self) -> InputKind:
        """A camera is live; a clip played through the app is a video (no frame lost)."""
        return InputKind.LIVE if self.camera is not None else InputKind.VIDEO


def live_input(args: argparse.Namespace) -> LiveInput:
    """The live input from ``INPUT`` (``camera:N`` or a clip) or its aliases ``--camera N`` /
    ``--source CLIP``.

    Raises:
        CliError: none or more than one input given.
    """
    given = [x for x in (args.input, args.camera, args.source) if x is not None]
    if len(given) != 1:
        raise CliError("live needs one input: camera:N, a clip, --camera N or --source CLIP")
    if args.camera is not None:
        return LiveInput(args.camera, None)
    if args.source is not None:
        return LiveInput(None, Path(args.source))
    index = camera_index(args.input)
    return LiveInput(index, None) if index is not None else LiveInput(None, Path(args.input))
