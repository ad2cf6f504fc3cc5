"""Recording the annotated live view to MP4 (fragmented: playable even after a kill)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hdr_live.io.video_writer import Mp4Writer


class LiveRecorder:
    """Writes annotated frames so that the video plays at the capture's own speed.

    A live camera drops frames when the pipeline is slower than the camera; each written image is
    then repeated until the video's timeline reaches the frame's capture time, so one second of
    capture stays one second of video. For a file (no drops) every frame is written once.

    Args:
        path: the .mp4 to write (its folder is created).
        fps: the video's frame rate (the source's nominal rate).
        fill_gaps: repeat frames to follow capture time (live sources).
    """

    def __init__(self, path: Path, fps: float, fill_gaps: bool) -> None:
        self.path = Path(path)
        self._writer = Mp4Writer(self.path, fps)
        self._period_s = 1.0 / fps
        self._fill_gaps = fill_gaps
        self._t0_s: float | None = None

    @property
    def frames_written(self) -> int:
        return self._writer.frames_written

    def write(self, rgb: np.ndarray, t_capture_s: float) -> None:
        """Append (H, W, 3) uint8 RGB captured at ``t_capture_s`` seconds.

        Raises:
            hdr_live.io.video_writer.VideoWriteError: the file cannot be written.
        """
        if self._t0_s is None:
            self._t0_s = t_capture_s
        copies = 1
        if self._fill_gaps:
            due = int(round((t_capture_s - self._t0_s) / self._period_s)) + 1
            copies = min(max(1, due - self._writer.frames_written), 30)  # at most 1 s of repeats
        for _ in range(copies):
            self._writer.write(rgb)

    def close(self) -> None:
        """Flush and close (safe to call twice)."""
        self._writer.close()
