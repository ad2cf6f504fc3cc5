"""Command line: ``hdr-live process``, ``eval-2d``, ``eval-detect`` and ``live``.

- :mod:`.parser`: the flags; :mod:`.options`: flags → :class:`hdr_live.config.PipelineConfig`;
  :mod:`.commands`: the work of each sub-command; :mod:`.errors`: :class:`~.errors.CliError`;
  :mod:`.quiet`: native log noise kept off stderr.

Errors in the input or the models end with one line ``hdr-live: error: …`` and exit code 2;
Ctrl-C, SIGTERM and SIGHUP end the run after the frame in hand, closing the outputs (complete
up to the last processed frame), writing the exports and printing the summary, with exit code
128 + the signal (130, 143, 129).
"""

from __future__ import annotations

import logging
import os
import sys

# Quiet the native loggers of mediapipe / TFLite before they are imported.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from hdr_live.cli.errors import CliError  # noqa: E402
from hdr_live.cli.parser import build_parser  # noqa: E402
from hdr_live.cli.streams import tolerate_closed_pipes  # noqa: E402


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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hdr-live`` console script; returns the exit code."""
    _configure_logging()
    args = build_parser().parse_args(argv)
    from hdr_live.accel.device import DeviceError
    from hdr_live.stop_signals import exit_code_of, stop_signals_interrupt
    from hdr_live.cli import commands, evaluate, evaluate_detect
    from hdr_live.io.sources import InputError
    from hdr_live.io.video_writer import VideoWriteError
    from hdr_live.weights import WeightsError

    stop_signals_interrupt()
    run = {"process": commands.process_command, "eval-2d": evaluate.eval2d_command,
           "eval-detect": evaluate_detect.eval_detect_command,
           "live": commands.live_command}[args.command]
    try:
        return run(args)
    except (CliError, DeviceError, InputError, VideoWriteError, WeightsError, OSError) as exc:
        print(f"hdr-live: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # before the outputs were opened, or a second Ctrl-C
        print("\nhdr-live: interrupted", file=sys.stderr)
        return exit_code_of(getattr(exc, "signum", 0))


def console_main() -> int:
    """The ``hdr-live`` console script: :func:`main` with native log noise filtered from stderr
    (:mod:`hdr_live.cli.quiet`) unless ``--verbose`` is given, and stdout/stderr that drop
    messages instead of failing once their reader has gone (:mod:`hdr_live.cli.streams`)."""
    if "--verbose" not in sys.argv[1:]:
        from hdr_live.cli.quiet import filter_native_stderr

        filter_native_stderr()
    tolerate_closed_pipes()
    return main()
