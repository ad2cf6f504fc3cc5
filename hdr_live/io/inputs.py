"""Open any input the app takes: a Tzionas-style clip folder (:mod:`hdr_live.io.tzionas`: frames
in number order, the ``rgb/`` layout included), else what :func:`hdr_live.io.sources.open_source`
opens (``camera:N``, a folder of images, an image, a video file)."""

from __future__ import annotations

from pathlib import Path

from hdr_live.io.sources import DEFAULT_FPS, open_source
from hdr_live.io.tzionas import TzionasFolderSource, is_tzionas_folder


def open_input(spec: str, folder_fps: float = DEFAULT_FPS, autorotate: bool = True):
    """The frame source for ``spec`` (see the module docstring); ``autorotate``: turn images
    and videos upright (:func:`hdr_live.io.sources.open_source`).

    Raises:
        hdr_live.io.sources.InputError: the input does not exist, cannot be read, or is a
            Tzionas folder that is inconsistent (the message names it).
    """
    if not spec.startswith("camera:") and Path(spec).is_dir() and is_tzionas_folder(Path(spec)):
        return TzionasFolderSource(Path(spec), folder_fps)
    return open_source(spec, folder_fps=folder_fps, autorotate=autorotate)
