"""argparse ``type=`` functions: a bad value ends in argparse's own one-line usage error
(``hdr-live process: error: argument --fps: …``, exit code 2), before anything is opened."""

from __future__ import annotations

import argparse
import math

from hdr_live.io.video_writer import MAX_FPS, MIN_FPS


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _integer(text: str) -> int:
    try:
        return int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def positive_float(text: str) -> float:
    """A finite number > 0.

    Raises:
        argparse.ArgumentTypeError: not a number, NaN, infinite, zero or negative.
    """
    value = _number(text)
    if not (math.isfinite(value) and value > 0.0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def frame_rate(text: str) -> float:
    """A frame rate in frames per second, from ``MIN_FPS`` to ``MAX_FPS`` of
    :mod:`hdr_live.io.video_writer` (for ``--fps``).

    Raises:
        argparse.ArgumentTypeError: not a number, NaN, infinite, or out of that range.
    """
    value = _number(text)
    if not (math.isfinite(value) and MIN_FPS <= value <= MAX_FPS):
        raise argparse.ArgumentTypeError(
            f"must be a frame rate from {MIN_FPS:g} to {MAX_FPS:g} frames per second, "
            f"got {text!r}")
    return value


def positive_int(text: str) -> int:
    """A whole number ≥ 1 (for ``--max-frames``, ``--quit-after-frames``).

    Raises:
        argparse.ArgumentTypeError: not a whole number, or below 1.
    """
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """A whole number ≥ 0 (for ``--camera N``).

    Raises:
        argparse.ArgumentTypeError: not a whole number, or negative.
    """
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text!r}")
    return value
