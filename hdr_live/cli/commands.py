"""The work behind ``hdr-live process`` and ``hdr-live live`` (parsing: :mod:`hdr_live.cli.parser`;
flags → configuration: :mod:`hdr_live.cli.options`; ``eval-2d``: :mod:`hdr_live.cli.evaluate`).
Each returns the exit code."""

from __future__ import annotations

import argparse
import dataclasses
import glob
import sys
from pathlib import Path

from hdr_live.cli.errors import CliError
from hdr_live.cli.options import live_input, stage_choices
from hdr_live.cli.paths import check_output_path, check_paths
from hdr_live.config import App, config_for
from hdr_live.io.sources import IMAGE_SUFFIXES
from hdr_live.jobs import ClipJob, run_clip
from hdr_live.stop_signals import exit_code_of
from hdr_live.temporal.smoothing import Smoothing


def _smoothing(value: str) -> Smoothing | None:
    return None if value == "auto" else Smoothing(value.replace("-", "_"))


def _inputs(specs: list[str]) -> list[str]:
    """The inputs with quoted globs expanded (a pattern matching nothing is an error)."""
    out = []
    for spec in specs:
        if not spec.startswith("camera:") and not Path(spec).exists() and glob.has_magic(spec):
            matches = sorted(glob.glob(spec))
            if not matches:
                raise CliError(f"no input matches {spec}")
            out += matches
        else:
            out.append(spec)
    return out


def _check_single_outputs(args: argparse.Namespace, spec: str) -> None:
    if args.out is not None:
        suffix = args.out.suffix.lower()
        single_image = Path(spec).suffix.lower() in IMAGE_SUFFIXES and Path(spec).is_file()
        if suffix in IMAGE_SUFFIXES and not single_image:
            raise CliError(f"--out {args.out}: an image output needs a single-image input")
        if suffix not in IMAGE_SUFFIXES and suffix != ".mp4":
            raise CliError(f"--out {args.out}: use .mp4 (or .png/.jpg for a single image)")
    outputs = {"--out": args.out, "--poses": args.poses}
    outputs.update({f"--export (#{i + 1})": p for i, p in enumerate(args.export)})
    check_paths([spec], outputs)
    _check_export_suffixes(args.export, bare=False)


def _check_export_suffixes(paths: list[Path], bare: bool) -> None:
    """Each export names a known format; ``bare``: a suffix alone (``.npz``, for --out-dir),
    else a file name with that suffix."""
    from hdr_live.export import EXPORT_SUFFIXES

    for path in paths:
        is_bare = path.suffix == "" and path.name.startswith(".")
        suffix = (path.name if is_bare else path.suffix).lower()
        if suffix not in EXPORT_SUFFIXES:
            raise CliError(f"--export {path}: use one of {', '.join(EXPORT_SUFFIXES)}")
        if is_bare != bare:
            want = "a suffix alone, e.g. .npz" if bare else "a file name, e.g. poses.npz"
            raise CliError(f"--export {path}: {'with' if bare else 'without'} --out-dir give "
                           f"{want}")


def process_command(args: argparse.Namespace) -> int:
    """``hdr-live process``: one input with its outputs, or many into ``--out-dir``."""
    inputs = _inputs(args.inputs)
    job = ClipJob(input=inputs[0], choices=stage_choices(args),
                  smoothing=_smoothing(args.smoothing), max_frames=args.max_frames,
                  folder_fps=args.fps, progress=not args.no_progress,
                  autorotate=not args.no_autorotate)
    if args.out_dir is not None or len(inputs) > 1:
        return _process_many(args, inputs, job)
    if args.jobs > 1 or args.ray is not None:
        raise CliError("--jobs and --ray need --out-dir (many inputs)")
    _check_single_outputs(args, inputs[0])
    outcome = run_clip(dataclasses.replace(job, out=args.out, poses=args.poses,
                                  exports=tuple(args.export)))
    if outcome.status == "interrupted":
        print(f"\nhdr-live: interrupted after {outcome.frames} frames; outputs are complete up "
              "to there", file=sys.stderr)
        print(outcome.summary)
        return exit_code_of(outcome.signum)
    print(outcome.summary)
    if outcome.frames == 0:
        print("hdr-live: error: no frame could be processed", file=sys.stderr)
        return 2
    return 0


def _process_many(args: argparse.Namespace, inputs: list[str], template: ClipJob) -> int:
    """Many inputs into ``--out-dir``: per clip the same task, skipped when complete."""
    from hdr_live.many import OutDirBusy, out_dir_lock, plan, run_many, summary_table

    if args.out_dir is None:
        raise CliError("several inputs need --out-dir DIR (one set of outputs per input)")
    if args.out is not None or args.poses is not None:
        raise CliError("with --out-dir the outputs are named per input: drop --out/--poses")
    if any(spec.startswith("camera:") for spec in inputs):
        raise CliError("a camera cannot be one of many inputs: process it on its own")
    _check_export_suffixes(args.export, bare=True)
    suffixes = [p.name.lower() for p in args.export]
    try:
        clips = plan(inputs, args.out_dir, dataclasses.replace(template, progress=False,
                                                      verbose=False), suffixes)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    for clip in clips:
        j = clip.job
        check_paths([j.input], {"--out-dir video": j.out, "--out-dir poses": j.poses,
                                **{f"--export {p.suffix}": p for p in j.exports}})
    args.out_dir.mkdir(parents=True, exist_ok=True)
    mode = f"Ray at {args.ray}" if args.ray else f"{args.jobs} worker process(es)"
    print(f"hdr-live: {len(clips)} inputs into {args.out_dir}, {mode}", file=sys.stderr)
    try:
        with out_dir_lock(args.out_dir):
            outcomes = run_many(clips, args.jobs, args.ray,
                                lambda o: print(f"hdr-live: {o.input}: {o.status}"
                                                + (f" ({o.message})" if o.message else ""),
                                                file=sys.stderr))
    except OutDirBusy as exc:
        raise CliError(str(exc)) from exc
    except ImportError as exc:
        raise CliError(f"--ray needs the ray extra: pip install -e '.[ray]' ({exc})") from exc
    print(summary_table(outcomes))
    stopped = [o for o in outcomes if o.status == "interrupted"]
    if stopped:
        print("hdr-live: interrupted; finished clips are complete, the rest run again next time",
              file=sys.stderr)
        return exit_code_of(max(o.signum for o in stopped))
    return 2 if any(o.status == "failed" for o in outcomes) else 0


def live_command(args: argparse.Namespace) -> int:
    """``hdr-live live``: the window over a camera or a clip (see :mod:`hdr_live.ui.app`).

    Raises:
        CliError: no single input, or the window's packages (the ``ui`` extra) are missing.
    """
    source = live_input(args)
    from hdr_live.ui.qt_env import display_problem

    problem = display_problem()
    if problem:
        raise CliError(problem)
    _check_live_outputs(args, source)
    try:
        import open3d  # noqa: F401
        import PyQt6.QtWidgets  # noqa: F401
    except ImportError as exc:
        raise CliError(
            f"the live window needs the ui extra (PyQt6, open3d): pip install -e '.[ui]' ({exc})"
        ) from exc
    from hdr_live.live.settings import LiveSettings
    from hdr_live.ui.app import LiveAppOptions, run_live_app

    config = config_for(stage_choices(args), App.LIVE, source.input_kind)
    print(f"hdr-live: live {config.mode.value} (HASM {config.hasm.backend.value}, HDRM "
          f"{config.hdrm.backend.value}) on {config.device.name} ({config.device.reason})",
          file=sys.stderr)
    smoothing = Smoothing(args.smoothing.replace("-", "_"))
    settings = LiveSettings(mode=config.mode, smoothing=smoothing,
                            crop_flow=args.flow, mirror=args.mirror)
    return run_live_app(LiveAppOptions(
        camera=source.camera, source=source.clip, settings=settings, config=config,
        loop=args.loop, realtime=not args.no_pace, record=args.record,
        record_dir=args.record_dir, quit_after_frames=args.quit_after_frames,
        screenshot=args.screenshot))


def _check_live_outputs(args: argparse.Namespace, source) -> None:
    shot = args.screenshot
    check_paths([] if source.clip is None else [source.clip], {
        "--record": args.record, "--screenshot": shot,
        "--screenshot (3D view)": None if shot is None else shot.with_name(shot.stem + "_3d.png"),
    })
    check_output_path("--record-dir", args.record_dir / "recording.mp4")
