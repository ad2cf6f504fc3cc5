"""The work behind each CLI sub-command (parsing: :mod:`hdr_live.cli.parser`; flags → configuration:
:mod:`hdr_live.cli.options`). Each returns the exit code."""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import sys

from tqdm import tqdm

from hdr_live.batch import GracefulStop, RunStats, run_batch, write_image
from hdr_live.eval2d import HandEval, evaluate_image, find_ground_truth, load_ground_truth
from hdr_live.io.pose_log import PoseLogWriter
from hdr_live.io.sources import IMAGE_SUFFIXES, ImageSource, open_source
from hdr_live.io.video_writer import Mp4Writer
from hdr_live.build import build_pipeline
from hdr_live.cli.errors import CliError
from hdr_live.cli.options import live_input, pipeline_config
from hdr_live.config import App, InputKind
from hdr_live.render import OverlayOptions, draw_overlay


def _check_outputs(args: argparse.Namespace, single_image: bool) -> None:
    if args.out is not None:
        suffix = args.out.suffix.lower()
        if suffix in IMAGE_SUFFIXES and not single_image:
            raise CliError(f"--out {args.out}: an image output needs a single-image input")
        if suffix not in IMAGE_SUFFIXES and suffix != ".mp4":
            raise CliError(f"--out {args.out}: use .mp4 (or .png/.jpg for a single image)")
    if args.max_frames is not None and args.max_frames < 1:
        raise CliError("--max-frames must be at least 1")


def process_command(args: argparse.Namespace) -> int:
    """``hdr-live process``: see the CLI help. Returns the exit code."""
    source = open_source(args.input, folder_fps=args.fps)
    single_image = isinstance(source, ImageSource)
    _check_outputs(args, single_image)
    # A folder of images is taken as a sequence (e.g. a Tzionas-style clip): tracking stays on.
    kind = InputKind.IMAGES if single_image else (
        InputKind.LIVE if source.is_live else InputKind.VIDEO)
    pipeline = build_pipeline(pipeline_config(args, App.BATCH, kind))
    print(f"hdr-live: {pipeline.description}", file=sys.stderr)
    overlay = OverlayOptions(caption=pipeline.description)
    image_out = args.out is not None and args.out.suffix.lower() in IMAGE_SUFFIXES
    stats = RunStats()
    with contextlib.ExitStack() as stack:
        stack.enter_context(source)
        stack.callback(pipeline.close)
        video = None
        if args.out is not None and not image_out:
            video = stack.enter_context(Mp4Writer(args.out, source.fps))
        poses = stack.enter_context(PoseLogWriter(args.poses)) if args.poses else None
        frames = iter(source)
        total = source.frame_count
        if args.max_frames is not None:
            frames = itertools.islice(frames, args.max_frames)
            total = min(total or args.max_frames, args.max_frames)
        bar = tqdm(total=total, unit="frame", disable=args.no_progress or source.is_live,
                   file=sys.stderr)
        stack.callback(bar.close)

        def on_result(result) -> None:
            bar.update(1)
            if image_out:
                write_image(args.out, draw_overlay(result, None, overlay))

        interrupted = False
        try:
            with GracefulStop() as ctrl_c:
                run_batch(frames, pipeline, video, poses, overlay, on_result, stats,
                          stop=lambda: ctrl_c.requested)
            interrupted = ctrl_c.requested
        except KeyboardInterrupt:
            interrupted = True
    if interrupted:
        print(f"\nhdr-live: interrupted after {stats.frames} frames; outputs are complete up to "
              "there", file=sys.stderr)
        print(stats.summary())
        return 130
    print(stats.summary())
    if stats.frames == 0:
        print("hdr-live: error: no frame could be processed", file=sys.stderr)
        return 2
    return 0


def _fmt(value: float, unit: str) -> str:
    return "n/a" if math.isnan(value) else f"{value:.1f} {unit}"


def eval2d_command(args: argparse.Namespace) -> int:
    """``hdr-live eval-2d``: per-hand 2D EPE, hands found, swaps; a summary line."""
    files = find_ground_truth(args.gt_dir)
    pipeline = build_pipeline(pipeline_config(args, App.BATCH, InputKind.IMAGES))
    print(f"# {pipeline.description}")
    evals: list[HandEval] = []
    try:
        for path in files:
            gt = load_ground_truth(path)
            for ev in evaluate_image(pipeline, gt):
                evals.append(ev)
                state = "found" if ev.found else "NOT FOUND"
                print(f"{gt.image_path.name} {ev.side.value}: {state}, "
                      f"2D EPE {_fmt(ev.epe_px, 'px')}, MPJPE {_fmt(ev.mpjpe_mm, 'mm')}"
                      + (", SWAPPED" if ev.swapped else ""))
    finally:
        pipeline.close()
    found = [e for e in evals if e.found]
    mean_epe = sum(e.epe_px for e in found) / len(found) if found else float("nan")
    mm = [e.mpjpe_mm for e in found if not math.isnan(e.mpjpe_mm)]
    print(f"summary mode={args.mode}: hands found {len(found)}/{len(evals)}, "
          f"mean 2D EPE {_fmt(mean_epe, 'px')} over found hands, "
          f"mean MPJPE {_fmt(sum(mm) / len(mm) if mm else float('nan'), 'mm')}, "
          f"left/right swaps {sum(e.swapped for e in evals)}")
    return 0


def live_command(args: argparse.Namespace) -> int:
    """``hdr-live live``: the window over a camera or a clip (see :mod:`hdr_live.ui.app`).

    Raises:
        CliError: no single input, or the window's packages (the ``ui`` extra) are missing.
    """
    source = live_input(args)
    try:
        import open3d  # noqa: F401
        import PyQt6.QtWidgets  # noqa: F401
    except ImportError as exc:
        raise CliError(
            f"the live window needs the ui extra (PyQt6, open3d): pip install -e '.[ui]' ({exc})"
        ) from exc
    from hdr_live.live.settings import LiveSettings, Smoothing
    from hdr_live.ui.app import LiveAppOptions, run_live_app

    config = pipeline_config(args, App.LIVE, source.input_kind)
    settings = LiveSettings(mode=config.mode, smoothing=Smoothing(args.smoothing),
                            crop_flow=args.flow, mirror=args.mirror)
    return run_live_app(LiveAppOptions(
        camera=source.camera, source=source.clip, settings=settings, config=config,
        loop=args.loop, realtime=not args.no_pace, record=args.record,
        record_dir=args.record_dir, quit_after_frames=args.quit_after_frames,
        screenshot=args.screenshot))
