"""``hdr-live eval-detect``: hands found, false hands and side errors against box labels
(:mod:`hdr_live.eval_detect`), for hdr-live and, in the same run, MediaPipe Hands (``--mode
mediapipe``'s pipeline) and MediaPipe Holistic.

Prints one line per file and system, then a Markdown table per tag with the total's precision.
``--sheet`` draws every hand hdr-live predicted on a labelled frame.
"""

from __future__ import annotations

import argparse
import dataclasses
import fnmatch

from hdr_live.build import build_pipeline
from hdr_live.cli.errors import CliError
from hdr_live.cli.options import pipeline_config
from hdr_live.cli.paths import check_paths
from hdr_live.config import App, InputKind, Mode
from hdr_live.eval_detect.finders import HandFinder, HolisticFinder, PipelineFinder
from hdr_live.eval_detect.labels import find_labels
from hdr_live.eval_detect.report import file_line, tag_table
from hdr_live.eval_detect.run import FileResult, evaluate_file
from hdr_live.eval_detect.sheet import write_sheet


def _pipeline_finder(args: argparse.Namespace, mode: Mode) -> PipelineFinder:
    def make(is_video: bool):
        kind = InputKind.VIDEO if is_video else InputKind.IMAGES
        config = dataclasses.replace(pipeline_config(args, App.BATCH, kind), mode=mode)
        return build_pipeline(config)

    return PipelineFinder("hdr-live" if mode is Mode.HDR else "mediapipe-hands", make)


def _finders(args: argparse.Namespace) -> list[HandFinder]:
    finders: list[HandFinder] = [_pipeline_finder(args, Mode(args.mode))]
    if "mediapipe" in args.reference and args.mode != Mode.MEDIAPIPE.value:
        finders.append(_pipeline_finder(args, Mode.MEDIAPIPE))
    if "holistic" in args.reference:
        finders.append(HolisticFinder(input_mirrored=args.mirrored))
    return finders


def eval_detect_command(args: argparse.Namespace) -> int:
    """``hdr-live eval-detect``: see the module docstring.

    Raises:
        hdr_live.cli.errors.CliError: the folder or ``--sheet`` is refused, or ``--only``
            matches no labelled file.
        hdr_live.io.sources.InputError: a label file is invalid or has no media beside it.
    """
    check_paths([args.labels], {"--sheet": args.sheet})
    files = find_labels(args.labels)  # a bad label file fails before any work
    if args.only:
        files = [f for f in files if any(fnmatch.fnmatch(f.name, p) for p in args.only)]
        if not files:
            raise CliError(f"--only {' '.join(args.only)} matches no labelled file")
    finders = _finders(args)
    results: dict[str, list[FileResult]] = {f.name: [] for f in finders}
    try:
        for file in files:
            for i, finder in enumerate(finders):
                result = evaluate_file(finder, file, keep_rgb=args.sheet is not None and i == 0)
                results[finder.name].append(result)
                print(file_line(result, finder.name), flush=True)
    finally:
        for finder in finders:
            finder.close()
    print()
    for line in tag_table(results):
        print(line)
    if args.sheet is not None:
        drawn = write_sheet(results[finders[0].name], args.sheet)
        print(f"# contact sheet of {drawn} predicted hands: {args.sheet}" if drawn
              else "# no predicted hand to draw: no contact sheet written")
    return 0
