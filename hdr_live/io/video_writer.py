"""H.264 MP4 writing with PyAV that survives an interrupted run.

The file is a *fragmented* MP4 (``frag_keyframe+empty_moov+default_base_moof``) with short GOPs
and packets flushed as they are made, so every frame written before a crash, Ctrl-C or
``kill -9`` stays playable.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np


class VideoWriteError(RuntimeError):
    """The output video cannot be created or written."""


class Mp4Writer:
    """Writes RGB frames to an H.264 (libx264) fragmented MP4.

    The size is taken from the first frame; later frames of another size are resized. Odd
    sizes are padded by one edge pixel (yuv420p needs even sizes).

    Args:
        path: output file (its folder is created).
        fps: frame rate (frames per second).
        gop: frames between keyframes (a fragment per keyframe).
        crf: x264 quality (lower = better).
    """

    def __init__(self, path: Path, fps: float, gop: int = 15, crf: int = 23) -> None:
        self.path = Path(path)
        self.fps, self.gop, self.crf = fps, gop, crf
        self._container = None
        self._stream = None
        self._size: tuple[int, int] | None = None
        self.frames_written = 0

    def _open(self, width: int, height: int) -> None:
        import av

        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._container = av.open(
                str(self.path),
                mode="w",
                format="mp4",
                options={
                    "movflags": "frag_keyframe+empty_moov+default_base_moof",
                    "flush_packets": "1",
                },
            )
        except (OSError, av.error.FFmpegError) as exc:
            raise VideoWriteError(f"cannot create video {self.path}: {exc}") from exc
        rate = Fraction(self.fps).limit_denominator(1001)
        stream = self._container.add_stream("libx264", rate=rate)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {
            "tune": "zerolatency",
            "preset": "veryfast",
            "crf": str(self.crf),
            "g": str(self.gop),
        }
        self._stream = stream
        self._size = (width, height)

    def write(self, rgb: np.ndarray) -> None:
        """Append one (H, W, 3) uint8 RGB frame.

        Raises:
            VideoWriteError: the frame is not RGB uint8, or encoding fails.
        """
        import av
        import cv2

        if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
            raise VideoWriteError(f"frames must be (H, W, 3) uint8, got {rgb.shape} {rgb.dtype}")
        h, w = rgb.shape[:2]
        if self._size is None:
            self._open(w + w % 2, h + h % 2)
        tw, th = self._size
        if (w + w % 2, h + h % 2) != (tw, th):
            rgb = cv2.resize(rgb, (tw, th), interpolation=cv2.INTER_AREA)
        elif (w, h) != (tw, th):
            rgb = cv2.copyMakeBorder(rgb, 0, th - h, 0, tw - w, cv2.BORDER_REPLICATE)
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts = self.frames_written
        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except av.error.FFmpegError as exc:
            raise VideoWriteError(f"cannot write video {self.path}: {exc}") from exc
        self.frames_written += 1

    def close(self) -> None:
        """Flush the encoder and close the file (safe to call twice)."""
        if self._container is None:
            return
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
        finally:
            self._container.close()
            self._container = None

    def __enter__(self) -> "Mp4Writer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
