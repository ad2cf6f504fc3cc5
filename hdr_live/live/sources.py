"""Frame sources for the live app: a clip looped and/or played at its own pace.

All yield :class:`~hdr_live.types.Frame` with strictly increasing ``t_capture_s``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from hdr_live.io.sources import CameraSource, InputError, VideoFileSource
from hdr_live.types import Frame


def looped_video(path: Path, loops: int | None = None) -> Iterator[Frame]:
    """The frames of a video file, replayed ``loops`` times (None = forever).

    Each pass re-opens the file. Indices continue across passes and ``t_capture_s`` is offset by
    the length of the passes before (last presentation time + one frame), so time keeps
    increasing as filters and rate meters need.

    Raises:
        InputError: the file cannot be opened or holds no frame.
        ValueError: ``loops`` < 1.
    """
    if loops is not None and loops < 1:
        raise ValueError(f"loops must be >= 1 or None, got {loops}")
    index, offset_s, done = 0, 0.0, 0
    while loops is None or done < loops:
        last_t, fps = None, 30.0
        with VideoFileSource(path) as source:
            fps = source.fps
            for frame in source:
                last_t = frame.t_capture_s
                yield Frame(frame.rgb, index, offset_s + frame.t_capture_s)
                index += 1
        if last_t is None:
            raise InputError(f"video has no readable frames: {path}")
        offset_s += last_t + 1.0 / fps
        done += 1


def paced(
    frames: Iterable[Frame],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Frame]:
    """Yield each frame no earlier than its ``t_capture_s`` after the first, on ``clock``.

    Plays a file at its own frame rate, like a camera would deliver it. A consumer slower than
    real time is never made to wait (the schedule is not caught up by skipping: nothing is
    dropped here; the schedule restarts from the late frame instead).
    """
    start_clock, start_t = None, 0.0
    for frame in frames:
        if start_clock is None:
            start_clock, start_t = clock(), frame.t_capture_s
        due = start_clock + (frame.t_capture_s - start_t)
        wait = due - clock()
        if wait > 0:
            sleep(wait)
        elif wait < -0.25:  # fell behind by more than a quarter second: re-anchor
            start_clock, start_t = clock(), frame.t_capture_s
        yield frame


@dataclasses.dataclass(frozen=True)
class LiveSource:
    """An opened input for the live app.

    Attributes:
        frames: the frames to run (camera frames, or the clip, looped and paced as asked).
        is_live: a camera.
        fps: nominal frame rate (recording).
        name: for messages.
        close: releases the device or file.
    """

    frames: Iterable[Frame]
    is_live: bool
    fps: float
    name: str
    close: Callable[[], None]


def open_live_source(
    camera: int | None = None,
    path: Path | None = None,
    loop: bool = False,
    realtime: bool = True,
) -> LiveSource:
    """Open a camera (``camera``) or a clip (``path``) for the live app.

    Args:
        camera: camera index (exclusive with ``path``).
        path: a video file.
        loop: replay the clip forever.
        realtime: play the clip at its own frame rate (as a camera would); False = as fast as
            the pipeline goes (every frame is processed either way).

    Raises:
        InputError: the camera or file cannot be opened.
        ValueError: not exactly one of ``camera`` and ``path``.
    """
    if (camera is None) == (path is None):
        raise ValueError("give exactly one of camera and path")
    if camera is not None:
        cam = CameraSource(camera)
        return LiveSource(iter(cam), True, cam.fps, f"camera {camera}", cam.close)
    assert path is not None
    with VideoFileSource(Path(path)) as probe:  # checks the file now, with a clear error
        fps = probe.fps
    frames: Iterable[Frame] = looped_video(Path(path), None if loop else 1)
    if realtime:
        frames = paced(frames)
    return LiveSource(frames, False, fps, str(path), lambda: None)
