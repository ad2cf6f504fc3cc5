"""``hdr-live eval-2d``: score the pipeline against ground truth in a folder.

Two kinds of folder:
- images with a ``*.gt.json`` beside each (:mod:`hdr_live.eval2d`): each image on its own (stills);
- a Tzionas-style clip (:mod:`hdr_live.io.tzionas`, the HDR paper's real-world benchmark; scored
  by :mod:`hdr_live.eval_tzionas`): the frames run as one sequence, the annotated ones are scored
  with the paper's protocol (2D EPE in pixels over the annotated joints, per hand and mean), and
  ``--csv`` gets one row per frame and hand.

For the images, the 3D stage uses the camera of each ``*.gt.json`` (``camera_intrinsics``) unless
``--focal-px`` is given (the ground truth's camera frame is then the pipeline's, as seed 003 and
InterHand2.6M evaluate camera-frame 3D with known intrinsics); each hand's line gives the
MPJPE of the pipeline's 3D output and, before it, of SHPE's own joints and of the lifted pose; an
image with both hands' 3D gets its MRRPE.

The last line keeps one form: ``summary mode=… hands found F/N, mean 2D EPE … px over found
hands, mean MPJPE … mm, left/right swaps S`` (and ``, mean MRRPE … mm`` where it was measured).
"""

from __future__ import annotations

import argparse
import dataclasses
import math

from hdr_live.build import build_pipeline
from hdr_live.cli.errors import CliError
from hdr_live.cli.paths import check_paths
from hdr_live.cli.options import device_note, pipeline_config
from hdr_live.config import App, InputKind, PipelineConfig
from hdr_live.eval2d import (GroundTruth, HandEval, evaluate_hands, evaluate_image,
                             find_ground_truth, load_ground_truth)
from hdr_live.types import Hands
from hdr_live.eval_tzionas import score_tzionas_frame, summarize_epe, write_epe_csv
from hdr_live.io.tzionas import TzionasFolderSource, is_tzionas_folder, read_tzionas_joints


def _fmt(value: float, unit: str) -> str:
    return "n/a" if math.isnan(value) else f"{value:.1f} {unit}"


def _mean(values: list[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return sum(kept) / len(kept) if kept else float("nan")


def _summary(mode: str, found: int, total: int, epe_px: float, mpjpe_mm: float,
             swaps: int, mrrpe_mm: float = float("nan")) -> str:
    mrrpe = "" if math.isnan(mrrpe_mm) else f", mean MRRPE {_fmt(mrrpe_mm, 'mm')}"
    return (f"summary mode={mode}: hands found {found}/{total}, "
            f"mean 2D EPE {_fmt(epe_px, 'px')} over found hands, "
            f"mean MPJPE {_fmt(mpjpe_mm, 'mm')}, left/right swaps {swaps}{mrrpe}")


def _config_for_truth(config: PipelineConfig, gt: GroundTruth,
                      focal_given: bool) -> PipelineConfig:
    """``config`` with the ground truth's camera in its 3D stage (unless ``--focal-px``)."""
    if config.threed is None or focal_given or gt.focal_px is None:
        return config
    threed = dataclasses.replace(config.threed, focal_px=gt.focal_px,
                                 principal_px=gt.principal_px)
    return dataclasses.replace(config, threed=threed)


def _hand_line(gt: GroundTruth, ev: HandEval) -> str:
    state = "found" if ev.found else "NOT FOUND"
    line = (f"{gt.image_path.name} {ev.side.value}: {state}, "
            f"2D EPE {_fmt(ev.epe_px, 'px')}, MPJPE {_fmt(ev.mpjpe_mm, 'mm')}")
    if not math.isnan(ev.mpjpe_shpe_mm):
        line += (f" (SHPE joints {_fmt(ev.mpjpe_shpe_mm, 'mm')}, "
                 f"lifted {_fmt(ev.mpjpe_lifted_mm, 'mm')})")
    return line + (", SWAPPED" if ev.swapped else "")


def eval2d_command(args: argparse.Namespace) -> int:
    """``hdr-live eval-2d``: per-hand 2D EPE, hands found, swaps; a summary line.

    Raises:
        hdr_live.cli.errors.CliError: the folder or ``--csv`` is refused before any work (the
            CSV onto an input, an unwritable place, or ``--csv`` for a folder of stills).
    """
    check_paths([args.gt_dir], {"--csv": args.csv})
    if is_tzionas_folder(args.gt_dir):
        return _eval_tzionas(args)
    truths = [load_ground_truth(path) for path in find_ground_truth(args.gt_dir)]  # fail fast
    if args.csv is not None:
        raise CliError("--csv is for a Tzionas-style clip; a folder of *.gt.json prints its "
                       "scores per hand")
    base = pipeline_config(args, App.BATCH, InputKind.IMAGES)
    config, pipeline = base, build_pipeline(base)
    print(f"# {pipeline.description}{device_note(config)}")
    evals: list[HandEval] = []
    mrrpes: list[float] = []
    try:
        for gt in truths:
            wanted = _config_for_truth(base, gt, args.focal_px is not None)
            if wanted != config:
                pipeline.close()
                config, pipeline = wanted, build_pipeline(wanted)
            hands, mrrpe = evaluate_image(pipeline, gt)
            for ev in hands:
                evals.append(ev)
                print(_hand_line(gt, ev))
            if not math.isnan(mrrpe):
                mrrpes.append(mrrpe)
                print(f"{gt.image_path.name}: MRRPE {_fmt(mrrpe, 'mm')}")
    finally:
        pipeline.close()
    found = [e for e in evals if e.found]
    mean_epe = sum(e.epe_px for e in found) / len(found) if found else float("nan")
    print(_summary(args.mode, len(found), len(evals), mean_epe,
                   _mean([e.mpjpe_mm for e in found]), sum(e.swapped for e in evals),
                   _mean(mrrpes)))
    return 0


def _eval_tzionas(args: argparse.Namespace) -> int:
    """The Tzionas protocol: every frame in order as one sequence, annotated frames scored."""
    source = TzionasFolderSource(args.gt_dir, args.fps)
    truth = {tf.number: read_tzionas_joints(tf.gt_path)  # a bad file fails before any work
             for tf in source.frames if tf.gt_path is not None}
    config = pipeline_config(args, App.BATCH, InputKind.VIDEO)
    pipeline = build_pipeline(config)
    print(f"# {pipeline.description}{device_note(config)}; Tzionas clip {args.gt_dir} "
          f"({len(source.frames)} frames, {len(truth)} annotated)")
    rows, swaps = [], 0
    try:
        with source:
            for frame in source:
                tf = source.frames[frame.index]
                result = pipeline.process(frame)
                if tf.number not in truth:
                    continue
                gt = truth[tf.number]
                swaps += sum(ev.swapped for ev in evaluate_hands(
                    result.poses, GroundTruth(tf.image_path, gt.hands_px(), Hands())))
                for row in score_tzionas_frame(tf, gt,
                                               result.poses.map(lambda _, p: p.joints_px)):
                    rows.append(row)
                    state = "found" if row.found else "NOT FOUND"
                    print(f"{row.image} {row.side.value}: {state}, 2D EPE "
                          f"{_fmt(row.epe_px, 'px')} over {row.annotated_joints} joints")
    finally:
        pipeline.close()
    if args.csv is not None:
        write_epe_csv(rows, args.csv)
        print(f"# per-frame CSV: {args.csv}")
    summary = summarize_epe(rows)
    for key, s in (("right", summary.right), ("left", summary.left)):
        print(f"{key}: found {s.found}/{s.scored} annotated frames, 2D EPE "
              f"{_fmt(s.epe_px, 'px')} over {s.joints} joints")
    mean = summary.mean
    print(_summary(args.mode, mean.found, mean.scored, mean.epe_px, float("nan"), swaps))
    return 0
