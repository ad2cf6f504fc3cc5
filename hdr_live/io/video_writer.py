"""H.264 MP4 writing with PyAV that survives an interrupted run.

The file is a *fragmented* MP4 with one fragment per frame
(``frag_every_frame+empty_moov+default_base_moof``) and packets flushed as they are made. The
muxer closes a fragment when the next frame's packet arrives, so after a crash, Ctrl-C or
``kill -9`` the file plays every frame written before except the newest one handed to
:meth:`Mp4Writer.write`.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from pathlib import Path

import numpy as np

from hdr_live.io.mp4_boxes import trim_to_whole_fragments

#: Fragment at every frame (the default) or at every keyframe (every ``gop`` frames).
FRAGMENT_FLAGS = {
    "frame": "frag_every_frame+empty_moov+default_base_moof",
    "keyframe": "frag_keyframe+empty_moov+default_base_moof",
}


#: Frame rates an MP4 can be written at (frames per second).
MIN_FPS, MAX_FPS = 0.01, 1000.0


class VideoWriteError(RuntimeError):
    """The output video cannot be created or written."""


def _check_fps(fps: float) -> float:
    try:
        value = float(fps)
    except (TypeError, ValueError):
        raise VideoWriteError(f"frame rate must be a number, got {fps!r}") from None
    if not (math.isfinite(value) and MIN_FPS <= value <= MAX_FPS):
        raise VideoWriteError(f"frame rate must be a number from {MIN_FPS:g} to {MAX_FPS:g}, "
                              f"got {fps!r}")
    return value


def _as_even_rgb(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``rgb`` resized (other size) or edge-padded (odd size) to ``size`` = (width, height)."""
    import cv2

    h, w = rgb.shape[:2]
    tw, th = size
    if (w + w % 2, h + h % 2) != (tw, th):
        return cv2.resize(rgb, (tw, th), interpolation=cv2.INTER_AREA)
    if (w, h) != (tw, th):
        return cv2.copyMakeBorder(rgb, 0, th - h, 0, tw - w, cv2.BORDER_REPLICATE)
    return np.ascontiguousarray(rgb)


def _close_container(container, path: Path) -> None:
    import av

    try:
        container.close()
    except (av.error.FFmpegError, OSError) as exc:
        raise VideoWriteError(f"cannot finish video {path}: {exc}") from exc


class Mp4Writer:
    """Writes RGB frames to an H.264 (libx264) fragmented MP4.

    The size is taken from the first frame; later frames of another size are resized. Odd
    sizes are padded by one edge pixel (yuv420p needs even sizes). Nothing is created before the
    first frame.

    Args:
        path: output file (its folder is created).
        fps: frame rate (frames per second), from :data:`MIN_FPS` to :data:`MAX_FPS`.
        gop: frames between keyframes.
        crf: x264 quality (lower = better).
        fragments: ``"frame"`` (one fragment per frame, the default) or ``"keyframe"`` (one
            per ``gop`` frames: slightly smaller, but a crash loses up to ``gop`` frames).

    Raises:
        VideoWriteError: ``fps`` or ``fragments`` is invalid.
    """

    def __init__(self, path: Path, fps: float, gop: int = 15, crf: int = 23,
                 fragments: str = "frame") -> None:
        if fragments not in FRAGMENT_FLAGS:
            raise VideoWriteError(f"fragments must be one of {sorted(FRAGMENT_FLAGS)}")
        self.path = Path(path)
        self.fps, self.gop, self.crf = _check_fps(fps), int(gop), int(crf)
        self._movflags = FRAGMENT_FLAGS[fragments]
        self._container = None
        self._stream = None
        self._size: tuple[int, int] | None = None
        self._failed = False
        self.frames_written = 0

    def _create_container(self):
        import av

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return av.open(os.path.abspath(self.path), mode="w", format="mp4",  # no protocol
                           options={"movflags": self._movflags, "flush_packets": "1"})
        except (OSError, av.error.FFmpegError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise VideoWriteError(f"cannot create video {self.path}: {reason}") from exc

    def _open(self, width: int, height: int) -> None:
        import av

        self._container = self._create_container()
        try:
            stream = self._container.add_stream(
                "libx264", rate=Fraction(self.fps).limit_denominator(1001))
            stream.width, stream.height = width, height
            stream.pix_fmt = "yuv420p"
            stream.options = {"tune": "zerolatency", "preset": "veryfast",
                              "crf": str(self.crf), "g": str(self.gop)}
        except (av.error.FFmpegError, ValueError) as exc:
            self.close()
            raise VideoWriteError(f"cannot set up H.264 for {self.path}: {exc}") from exc
        self._stream, self._size = stream, (width, height)

    def _encode(self, frame) -> None:
        import av

        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except (av.error.FFmpegError, OSError) as exc:
            self._failed = True
            raise VideoWriteError(f"cannot write video {self.path}: {exc}") from exc

    def write(self, rgb: np.ndarray) -> None:
        """Append one (H, W, 3) uint8 RGB frame (any H, W ≥ 1).

        Raises:
            VideoWriteError: the frame is not RGB uint8, or the file cannot be created or
                written.
        """
        import av

        if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3 \
                or rgb.shape[2] != 3 or 0 in rgb.shape:
            raise VideoWriteError(f"frames must be (H, W, 3) uint8, got "
                                  f"{getattr(rgb, 'shape', None)} {getattr(rgb, 'dtype', None)}")
        h, w = rgb.shape[:2]
        if self._size is None:
            self._open(w + w % 2, h + h % 2)
        import cv2

        # OpenCV's RGB → I420 (BT.601, as the encoder's own conversion to within one grey
        # level) costs a fraction of PyAV's swscale conversion
        yuv = cv2.cvtColor(_as_even_rgb(rgb, self._size), cv2.COLOR_RGB2YUV_I420)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        frame.pts = self.frames_written
        self._encode(frame)
        self.frames_written += 1

    def close(self) -> None:
        """Flush the encoder and close the file (safe to call twice, and after a failure).
        After a failed write (a full disk) the file is cut back to its last whole fragment
        (:func:`hdr_live.io.mp4_boxes.trim_to_whole_fragments`), so it plays to there.

        Raises:
            VideoWriteError: the last frames or the end of the file cannot be written.
        """
        if self._container is None:
            return
        try:
            if self._stream is not None:
                self._encode(None)
        finally:
            container, self._container, self._stream = self._container, None, None
            try:
                _close_container(container, self.path)
            except VideoWriteError:
                self._failed = True
                raise
            finally:
                if self._failed:  # a full disk: end the file after its last whole fragment
                    trim_to_whole_fragments(self.path)

    def __enter__(self) -> "Mp4Writer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
