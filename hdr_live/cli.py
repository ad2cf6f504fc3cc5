"""Command line: ``hdr-live process``, ``hdr-live eval-2d`` and ``hdr-live live``.

Errors in the input or the models end with one line ``hdr-live: error: …`` and exit code 2;
Ctrl-C ends with exit code 130 after closing the outputs (both stay complete up to the last
processed frame).
"""

from __future__ import annotations

import argparse
import os
import sys
import logging
from pathlib import Path

# Quiet the native loggers of mediapipe / TFLite before they are imported.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


class CliError(RuntimeError):
    """A user-facing error: printed as one line, exit code 2."""


def _configure_logging() -> None:
    """Warnings of the hdr_live package go to the current stderr as ``hdr-live: warning: …``."""
    logger = logging.getLogger("hdr_live")
    for handler in [h for h in logger.handlers if getattr(h, "_hdr_live_cli", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("hdr-live: warning: %(message)s"))
    handler._hdr_live_cli = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False


def _add_stage_choices(p: argparse.ArgumentParser) -> None:
    p.add_argument("--hasm", choices=["baseline", "learned"], default="learned",
                   help="HASM backend in hdr mode: learned SegFormer (default) or landmark "
                        "silhouettes (baseline)")
    p.add_argument("--hdrm", choices=["baseline", "learned"], default="baseline",
                   help="HDRM restorer in hdr mode: OpenCV inpainting (baseline, default) or "
                        "HDRNet (learned)")
    _add_device_choices(p)


def _add_device_choices(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                   help="where learned networks run: CUDA when available (auto, default), the "
                        "CPU, or CUDA (an error without it)")
    p.add_argument("--tensorrt", action="store_true",
                   help="compile learned networks with torch-tensorrt (CUDA, extra 'gpu')")


def _add_process(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "process",
        help="process a video, image, folder of images or camera",
        description="Estimate both hands' poses on every frame; write an annotated video and a "
        "JSON Lines pose log.",
    )
    p.add_argument("input", help="video file, image file, folder of images, or camera:N")
    p.add_argument("--out", type=Path, help="annotated output: .mp4 (H.264), or .png/.jpg "
                   "for a single image")
    p.add_argument("--poses", type=Path, help="pose log output (.jsonl), one line per frame")
    p.add_argument("--mode", choices=["hdr", "mediapipe"], default="hdr",
                   help="hdr: the HDR pipeline (default); mediapipe: MediaPipe Hands alone")
    p.add_argument("--mirrored", action="store_true",
                   help="the input is a mirrored (selfie) view")
    p.add_argument("--max-frames", type=int, default=None, help="stop after this many frames")
    p.add_argument("--fps", type=float, default=30.0,
                   help="frame rate given to a folder of images (default 30)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_stage_choices(p)
    p.set_defaults(run=_run_process)


def _add_eval(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval-2d",
        help="2D EPE against *.gt.json ground truth",
        description="Run the pipeline on every image with a *.gt.json beside it and print 2D EPE "
        "(px), hands found, left/right swaps and wrist-aligned MPJPE (mm) where 3D exists.",
    )
    p.add_argument("--gt-dir", type=Path, required=True, help="folder with *.gt.json + images")
    p.add_argument("--mode", choices=["hdr", "mediapipe"], default="hdr")
    _add_stage_choices(p)
    p.set_defaults(run=_run_eval)


def _add_live(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "live",
        help="the live window: camera or a clip played live",
        description="Live window: the image with masks and skeletons, the restored crops, rates, "
        "controls and a 3D view of both hands; records the annotated view to MP4.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--camera", type=int, metavar="N", help="camera index, e.g. 0")
    src.add_argument("--source", type=Path, metavar="CLIP", help="a video played through the app")
    p.add_argument("--mode", choices=["hdr", "mediapipe"], default="hdr")
    p.add_argument("--smoothing", choices=["off", "one_euro", "kalman"], default="one_euro")
    p.add_argument("--flow", action="store_true", help="optical-flow consistency of the crops")
    p.add_argument("--mirror", action="store_true", help="mirror the view (selfie)")
    p.add_argument("--hasm", choices=["auto", "baseline", "learned"], default="auto",
                   help="HASM backend: auto = learned on CUDA, landmark baseline on the CPU")
    p.add_argument("--hdrm", choices=["auto", "baseline", "learned"], default="auto",
                   help="HDRM restorer: auto = HDRNet on CUDA, inpainting on the CPU")
    _add_device_choices(p)
    p.add_argument("--loop", action="store_true", help="replay the clip forever")
    p.add_argument("--no-pace", action="store_true",
                   help="play the clip as fast as it is processed, not at its frame rate")
    p.add_argument("--record", type=Path, metavar="OUT.mp4", help="record from the start")
    p.add_argument("--record-dir", type=Path, default=Path("out"),
                   help="folder for recordings started with the button (default out/)")
    p.add_argument("--quit-after-frames", type=int, metavar="N", help="close after N frames")
    p.add_argument("--screenshot", type=Path, metavar="PNG",
                   help="save the window (and PNG_3d.png) before closing")
    p.set_defaults(run=_run_live)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``hdr-live`` command."""
    parser = argparse.ArgumentParser(
        prog="hdr-live",
        description="3D pose of two interacting hands (HDR: hand de-occlusion and removal).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_process(sub)
    _add_eval(sub)
    _add_live(sub)
    return parser


def _run_process(args: argparse.Namespace) -> int:
    from hdr_live.commands import process_command

    return process_command(args)


def _run_eval(args: argparse.Namespace) -> int:
    from hdr_live.commands import eval2d_command

    return eval2d_command(args)


def _run_live(args: argparse.Namespace) -> int:
    from hdr_live.ui.app import live_command

    return live_command(args)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hdr-live`` console script; returns the exit code."""
    _configure_logging()
    args = build_parser().parse_args(argv)
    from hdr_live.accel.device import DeviceError
    from hdr_live.io.sources import InputError
    from hdr_live.io.video_writer import VideoWriteError
    from hdr_live.weights import WeightsError

    try:
        return args.run(args)
    except (CliError, DeviceError, InputError, VideoWriteError, WeightsError, OSError) as exc:
        print(f"hdr-live: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
