"""One clip in, its outputs out: the per-clip task of ``hdr-live process``, the same function
whether it runs in the command's own process, in ``--jobs N`` worker processes, or on Ray
(:mod:`hdr_live.many`).

A clip's outputs are written as it goes (the annotated MP4 and the pose log frame by frame); the
exports are written at the end from the pose records (:mod:`hdr_live.export`). Smoothing is the
live window's filters (:class:`hdr_live.temporal.smoothing.Smoothing`); with it the pose log keeps
the raw joints beside the smoothed ones (``joints_px_raw``), so nothing is lost.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import signal
import sys
import time
from pathlib import Path

from tqdm import tqdm

from hdr_live.batch import RunStats, run_batch, write_image
from hdr_live.build import build_pipeline
from hdr_live.config import App, InputKind, StageChoices, config_for, device_note
from hdr_live.io.inputs import open_input
from hdr_live.io.pose_log import PoseLogWriter, pose_record
from hdr_live.io.record_spool import RecordSpool
from hdr_live.io.sources import IMAGE_SUFFIXES, ImageSource
from hdr_live.io.video_writer import Mp4Writer
from hdr_live.render import OverlayOptions, draw_overlay
from hdr_live.stop_signals import GracefulStop
from hdr_live.temporal.smoothing import PoseSmoother, Smoothing
from hdr_live.types import FrameResult


@dataclasses.dataclass(frozen=True)
class ClipJob:
    """What to do with one input (picklable, so it can travel to a worker process).

    Attributes:
        input: a video file, an image, a folder of images, or ``camera:N``.
        out: the annotated output (.mp4; .png/.jpg for a single image), or None.
        poses: the pose log (.jsonl), or None.
        exports: export files (format from the suffix, :mod:`hdr_live.export`).
        choices: the stage choices laid over the batch defaults.
        smoothing: the joints' filter; None = One-Euro for a sequence, off for a single image.
        max_frames: stop after this many frames (None = all).
        folder_fps: the frame rate given to a folder of images.
        progress: show a progress bar on stderr.
        verbose: print the pipeline's description line.
        autorotate: turn frames upright (EXIF orientation, a video's display matrix), so poses
            and the annotated output are in the frame as players show it.
    """

    input: str
    out: Path | None = None
    poses: Path | None = None
    exports: tuple[Path, ...] = ()
    choices: StageChoices = StageChoices()
    smoothing: Smoothing | None = None
    max_frames: int | None = None
    folder_fps: float = 30.0
    progress: bool = False
    verbose: bool = True
    autorotate: bool = True


@dataclasses.dataclass(frozen=True)
class ClipOutcome:
    """How one clip went.

    Attributes:
        input: the job's input.
        status: ``"done"``, ``"interrupted"``, ``"skipped"`` (outputs already complete) or
            ``"failed"``.
        frames: frames processed.
        two_hands_pct, any_hand_pct: share of frames with both hands / at least one, percent.
        wall_s: wall-clock seconds for the clip (decoding, drawing and encoding included).
        summary: the two-line run summary (:meth:`hdr_live.batch.RunStats.summary`).
        message: why it failed or was skipped ("" otherwise).
        signum: the signal that stopped an ``interrupted`` clip (SIGINT, SIGTERM, SIGHUP), or 0.
    """

    input: str
    status: str
    frames: int = 0
    two_hands_pct: float = 0.0
    any_hand_pct: float = 0.0
    wall_s: float = 0.0
    summary: str = ""
    message: str = ""
    signum: int = 0


def _input_kind(source) -> InputKind:
    if isinstance(source, ImageSource):
        return InputKind.IMAGES
    return InputKind.LIVE if source.is_live else InputKind.VIDEO


def _smoother(job: ClipJob, kind: InputKind) -> PoseSmoother | None:
    choice = job.smoothing if job.smoothing is not None else (
        Smoothing.ONE_EURO if kind.tracks else Smoothing.OFF)
    options = choice.smoother_options() if kind.tracks else None
    return None if options is None else PoseSmoother(options)


def run_clip(job: ClipJob) -> ClipOutcome:
    """Process ``job.input`` into its outputs (see the module docstring).

    Raises:
        hdr_live.io.sources.InputError: the input cannot be opened or read.
        hdr_live.weights.WeightsError: a model file is missing or corrupt.
        hdr_live.accel.device.DeviceError: CUDA asked for on a machine without it.
        OSError: an output cannot be written.
    """
    t0 = time.perf_counter()
    source = open_input(job.input, folder_fps=job.folder_fps, autorotate=job.autorotate)
    kind = _input_kind(source)
    config = config_for(job.choices, App.BATCH, kind)
    pipeline = build_pipeline(config)
    if job.verbose:
        print(f"hdr-live: {pipeline.description}{device_note(config)}", file=sys.stderr)
    overlay = OverlayOptions(caption=pipeline.description)
    image_out = job.out is not None and job.out.suffix.lower() in IMAGE_SUFFIXES
    smoother = _smoother(job, kind)
    stats = RunStats()
    with contextlib.ExitStack() as outer:
        # the exports' records are on disk as they come (memory flat), read back at the end:
        # the pose log's own lines when there is one, else a spool beside the first export
        spool = (outer.enter_context(RecordSpool(job.exports[0].parent))
                 if job.exports and job.poses is None else None)
        interrupted, signum = _run_frames(job, source, pipeline, overlay, smoother, stats, spool,
                                          image_out, config.pipelined)
        if job.exports and stats.frames:
            from hdr_live.export import PoseSeries, write_export

            series = (PoseSeries.from_records(spool.records()) if spool is not None
                      else PoseSeries.from_pose_log(job.poses))
            for path in job.exports:
                write_export(path, series)
    n = max(stats.frames, 1)
    return ClipOutcome(
        input=job.input,
        status="interrupted" if interrupted else "done",
        frames=stats.frames,
        two_hands_pct=100.0 * stats.frames_two_hands / n,
        any_hand_pct=100.0 * stats.frames_any_hand / n,
        wall_s=time.perf_counter() - t0,
        summary=stats.summary(),
        signum=int(signum),
    )


def _run_frames(job: ClipJob, source, pipeline, overlay: OverlayOptions,
                smoother: PoseSmoother | None, stats: RunStats, spool: RecordSpool | None,
                image_out: bool, pipelined: bool) -> tuple[bool, int]:
    """The frame loop of :func:`run_clip` with its outputs open; returns (interrupted, the
    signal that stopped it or 0). Closes ``source`` and ``pipeline``."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(source)
        stack.callback(pipeline.close)
        video = None
        if job.out is not None and not image_out:
            video = stack.enter_context(Mp4Writer(job.out, source.fps))
        poses = stack.enter_context(PoseLogWriter(job.poses)) if job.poses else None
        frames = iter(source)
        total = source.frame_count
        if job.max_frames is not None:
            frames = itertools.islice(frames, job.max_frames)
            total = min(total or job.max_frames, job.max_frames)
        bar = tqdm(total=total, unit="frame", disable=not job.progress or source.is_live,
                   file=sys.stderr)
        stack.callback(bar.close)

        def on_result(result: FrameResult) -> None:
            bar.update(1)
            if spool is not None:
                spool.add(pose_record(result))
            if image_out:
                write_image(job.out, draw_overlay(result, None, overlay))

        interrupted, signum = False, 0
        ctrl_c = GracefulStop()
        try:
            with ctrl_c:
                # pipelined: prepare(t+1) beside finish(t), drawing/encoding/logging on a
                # writer thread (hdr_live.batch); the outputs are those of the serial loop
                run_batch(frames, pipeline, video, poses, overlay, on_result, stats,
                          stop=lambda: ctrl_c.requested, smoother=smoother,
                          pipelined=pipelined)
            interrupted, signum = ctrl_c.requested, ctrl_c.signum
        except KeyboardInterrupt:
            interrupted, signum = True, ctrl_c.signum or signal.SIGINT
    return interrupted, signum
