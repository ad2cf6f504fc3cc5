"""argparse ``type=`` functions: a bad value ends in argparse's own one-line usage error
(``hdr-live process: error: argument --fps: …``, exit code 2), before anything is opened."""

from __future__ import annotations

import argparse
import math
import sys

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


#: The largest count a flag takes (a frame count beyond it is not a real limit).
MAX_COUNT = sys.maxsize
#: The largest camera index (OpenCV takes a C int).
MAX_CAMERA_INDEX = 2**31 - 1


def focal_length(text: str) -> float:
    """A focal length in pixels, finite and from 10 to 100000 (for ``--focal-px``)."""
    value = _number(text)
    if not (math.isfinite(value) and 10.0 <= value <= 1e5):
        raise argparse.ArgumentTypeError(
            f"a focal length must be from 10 to 100000 pixels, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """A whole number from 1 to :data:`MAX_COUNT` (for ``--max-frames``, ``--jobs``,
    ``--quit-after-frames``).

    Raises:
        argparse.ArgumentTypeError: not a whole number, below 1 or above the limit.
    """
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text!r}")
    if value > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_COUNT}, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """A camera index from 0 to :data:`MAX_CAMERA_INDEX` (for ``--camera N``).

    Raises:
        argparse.ArgumentTypeError: not a whole number, negative or above the limit.
    """
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text!r}")
    if value > MAX_CAMERA_INDEX:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_CAMERA_INDEX}, got {text!r}")
    return value
