"""The ``hdr-live`` argument parser: ``process``, ``eval-2d`` and ``live``, with flags that agree
between the sub-commands (:mod:`hdr_live.cli.options` turns them into a configuration).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hdr_live.cli.arg_types import focal_length, frame_rate, non_negative_int, positive_int


def _add_pipeline_choices(p: argparse.ArgumentParser) -> None:
    """The flags every sub-command shares: mode, mirroring, stage backends, device."""
    p.add_argument("--mode", choices=["hdr", "mediapipe"], default="hdr",
                   help="hdr: the HDR pipeline (default); mediapipe: MediaPipe Hands alone")
    p.add_argument("--mirrored", action="store_true",
                   help="the input is a mirrored (selfie) view; sides stay the person's own")
    p.add_argument("--hasm", choices=["auto", "baseline", "learned"], default="auto",
                   help="HASM backend in hdr mode: the learned SegFormer or landmark silhouettes "
                        "(baseline); auto = learned")
    p.add_argument("--hdrm", choices=["auto", "gated", "off", "baseline", "learned"],
                   default="auto",
                   help="HDRM restorer in hdr mode: inpainting only where the masks say the other "
                        "hand hides the target (gated, the default = auto), none: the crop as "
                        "it is (off), OpenCV inpainting of every hand (baseline), or HDRNet "
                        "(learned)")
    p.add_argument("--shpe", choices=["mediapipe", "detnet"], default="mediapipe",
                   help="SHPE in hdr mode: MediaPipe's landmark network (default) or the "
                        "DetNet-style network trained here on synthetic hands (the ablation's)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                   help="where learned networks run: CUDA when available (auto, default), the "
                        "CPU, or CUDA (an error without it)")
    p.add_argument("--tensorrt", action="store_true",
                   help="compile learned networks with torch-tensorrt (CUDA, extra 'gpu')")
    p.add_argument("--focal-px", type=focal_length, metavar="F",
                   help="the camera's focal length in pixels, for the hands' 3D placement "
                        "(joints_cam_m); default: the frame's longer side (about 53 degrees of "
                        "horizontal field of view)")
    p.add_argument("--no-3d", action="store_true",
                   help="no 3D stage: no lifting, no hand-model fit, no inferred hidden hands "
                        "(3D is then SHPE's wrist-relative joints only)")
    p.add_argument("--verbose", action="store_true",
                   help="keep the native libraries' own log lines (MediaPipe, TFLite) on stderr")


def _add_process(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "process",
        help="process a video, image, folder of images or camera",
        description="Estimate both hands' poses on every frame; write an annotated video and a "
        "JSON Lines pose log.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="video file, image file, folder of images (a Tzionas-style clip too), "
                        "or camera:N; several inputs or a quoted glob need --out-dir")
    p.add_argument("--out", type=Path, help="annotated output: .mp4 (H.264), or .png/.jpg "
                   "for a single image")
    p.add_argument("--poses", type=Path, help="pose log output (.jsonl), one line per frame")
    p.add_argument("--export", type=Path, action="append", default=[], metavar="PATH",
                   help="export file, format from the suffix: .npz, .csv, .bvh, .glb "
                        "(repeatable; with --out-dir give the suffix alone, e.g. .npz)")
    p.add_argument("--out-dir", type=Path, metavar="DIR",
                   help="many inputs: per input DIR/<stem>.mp4, <stem>.poses.jsonl, exports; "
                        "inputs whose outputs are complete are skipped")
    p.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                   help="with --out-dir: N worker processes, one pipeline each (default 1)")
    p.add_argument("--ray", metavar="ADDRESS",
                   help="with --out-dir: run the clips on Ray ('local' starts a local "
                        "instance with --jobs CPUs; extra 'ray')")
    p.add_argument("--smoothing", choices=["auto", "one-euro", "one_euro", "kalman", "off"],
                   default="auto", help="joint smoothing, the live window's filters: auto = "
                   "One-Euro for video and camera, off for images; the raw joints stay in the "
                   "pose log as joints_px_raw")
    p.add_argument("--max-frames", type=positive_int, default=None,
                   help="stop after this many frames")
    p.add_argument("--fps", type=frame_rate, default=30.0,
                   help="frame rate given to a folder of images (default 30)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-autorotate", action="store_true",
                   help="keep frames as stored: ignore EXIF orientation and a video's rotation "
                        "(poses then in the stored, possibly sideways, frame)")
    _add_pipeline_choices(p)


def _add_eval(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval-2d",
        help="2D EPE against *.gt.json ground truth",
        description="Run the pipeline on every image with a *.gt.json beside it and print 2D EPE "
        "(px), hands found, left/right swaps and wrist-aligned MPJPE (mm) where 3D exists.",
    )
    p.add_argument("--gt-dir", type=Path, required=True,
                   help="folder with *.gt.json + images, or a Tzionas-style clip")
    p.add_argument("--csv", type=Path, help="per-frame CSV of a Tzionas clip's scores")
    p.add_argument("--fps", type=frame_rate, default=30.0,
                   help="frame rate given to a Tzionas clip's frames (default 30)")
    _add_pipeline_choices(p)


def _add_eval_detect(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval-detect",
        help="hands found, false hands and side errors against box labels",
        description="Run hdr-live (and MediaPipe Hands and Holistic for reference) on every "
        "image or clip with a <stem>.labels.json beside it; print hands found, false hands and "
        "side errors per file and per tag.",
    )
    p.add_argument("--labels", type=Path, required=True, metavar="DIR",
                   help="folder of images and clips with <stem>.labels.json beside each")
    p.add_argument("--reference", nargs="*", choices=["mediapipe", "holistic"],
                   default=["mediapipe", "holistic"],
                   help="reference systems run in the same pass (default both; none: give the "
                        "flag alone)")
    p.add_argument("--only", nargs="+", metavar="PATTERN",
                   help="only the labelled files whose names match these glob patterns")
    p.add_argument("--sheet", type=Path, metavar="PNG",
                   help="contact sheet of every hand the first system predicted")
    _add_pipeline_choices(p)


def _add_live(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "live",
        help="the live window: camera or a clip played live",
        description="Live window: the image with masks and skeletons, the restored crops, rates, "
        "controls and a 3D view of both hands; records the annotated view to MP4.",
    )
    p.add_argument("input", nargs="?", help="camera:N or a video file (or use --camera/--source)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=non_negative_int, metavar="N", help="camera index, e.g. 0 (= camera:N)")
    src.add_argument("--source", type=Path, metavar="CLIP", help="a video played through the app")
    _add_pipeline_choices(p)
    p.add_argument("--smoothing", choices=["one-euro", "one_euro", "kalman", "off"],
                   default="one-euro", help="joint smoothing at the start (the window's control "
                   "switches it): One-Euro (default), Kalman or off")
    p.add_argument("--flow", action="store_true", help="optical-flow consistency of the crops")
    p.add_argument("--mirror", action="store_true",
                   help="start with the view flipped (selfie), as the window's Mirror control")
    p.add_argument("--loop", action="store_true", help="replay the clip forever")
    p.add_argument("--no-pace", action="store_true",
                   help="play the clip as fast as it is processed, not at its frame rate")
    p.add_argument("--record", type=Path, metavar="OUT.mp4", help="record from the start")
    p.add_argument("--record-dir", type=Path, default=Path("out"),
                   help="folder for recordings started with the button (default out/)")
    p.add_argument("--quit-after-frames", type=positive_int, metavar="N", help="close after N frames")
    p.add_argument("--screenshot", type=Path, metavar="PNG",
                   help="save the window (and PNG_3d.png) before closing")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``hdr-live`` command."""
    parser = argparse.ArgumentParser(
        prog="hdr-live",
        description="3D pose of two interacting hands (HDR: hand de-occlusion and removal).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_process(sub)
    _add_eval(sub)
    _add_eval_detect(sub)
    _add_live(sub)
    return parser
