"""Frame sources: a video file, a still image, a folder of images, or a camera.

Every source is an iterable of :class:`~hdr_live.types.Frame` (RGB uint8) and a context manager.
Problems with the input raise :class:`InputError` (one clear line) or, for a single bad image in a
folder or a damaged packet in a video, are skipped with a warning that counts them.
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from pathlib import Path
from typing import Iterator, Protocol

import cv2
import numpy as np

from hdr_live.types import Frame

_log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})

#: Frame rate assumed when a file's own is missing or outside [1, 1000] frames per second.
DEFAULT_FPS = 30.0
#: Demuxing gives up after this many errors in a row (a file damaged beyond its index).
MAX_DEMUX_ERRORS_IN_A_ROW = 64


class InputError(RuntimeError):
    """The input cannot be read (missing, unreadable, empty, corrupt, camera gone)."""


class FrameSource(Protocol):
    """An iterable of frames with a little metadata."""

    #: True for a live camera (frames may be dropped to stay current).
    is_live: bool
    #: Frames the source expects to yield, or None when unknown (camera).
    frame_count: int | None
    #: Nominal frame rate (frames per second) for writing videos.
    fps: float

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...

    def __enter__(self) -> "FrameSource": ...

    def __exit__(self, *exc: object) -> None: ...


def check_frame_rate(fps: float) -> float:
    """``fps`` as a float when it is a finite number > 0 (frames per second).

    Raises:
        InputError: zero, negative, NaN, infinite or not a number.
    """
    try:
        value = float(fps)
    except (TypeError, ValueError):
        raise InputError(f"frame rate must be a number, got {fps!r}") from None
    if not (math.isfinite(value) and value > 0.0):
        raise InputError(f"frame rate must be a finite number > 0, got {fps!r}")
    return value


def check_input_file(path: Path) -> Path:
    """``path`` when it is an existing regular file (not a folder, device, pipe or socket).

    Raises:
        InputError: missing, or not a regular file (e.g. ``/dev/null``).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if not path.is_file():
        raise InputError(f"not a regular file: {path}")
    return path


def _float_to_uint8(image: np.ndarray) -> np.ndarray:
    """Floats in [0, 1] (or [0, 255] when the finite maximum exceeds 1) → uint8; NaN → 0."""
    image = np.nan_to_num(image, nan=0.0, posinf=0.0, neginf=0.0)
    scale = 255.0 if image.size and float(image.max()) <= 1.0 else 1.0
    return np.clip(image * scale, 0, 255).round().astype(np.uint8)


def _to_uint8(image: np.ndarray, name: str) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return (image / 257.0).round().astype(np.uint8)
    if np.issubdtype(image.dtype, np.floating):
        return _float_to_uint8(image)
    raise InputError(f"{name}: unsupported pixel type {image.dtype}")


def to_rgb(image: np.ndarray, name: str = "image") -> np.ndarray:
    """Turn an OpenCV image (BGR, BGRA, grayscale; 8 or 16 bit, or float) into (H, W, 3) uint8 RGB.

    Float images are taken as [0, 1] when their finite maximum is at most 1, else as [0, 255];
    NaN and infinities become 0.

    Raises:
        InputError: an unsupported shape (not (H, W), (H, W, 1|3|4), or an empty side) or dtype.
    """
    channels = image.shape[2] if image.ndim == 3 else 1
    if image.ndim not in (2, 3) or channels not in (1, 3, 4) or 0 in image.shape:
        raise InputError(f"{name}: unsupported image shape {image.shape}")
    image = _to_uint8(image, name)
    if channels == 1:
        return cv2.cvtColor(image.reshape(image.shape[:2]), cv2.COLOR_GRAY2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB if channels == 3 else cv2.COLOR_BGRA2RGB)


JPEG_SUFFIXES = {".jpg", ".jpeg", ".jpe", ".jfif"}


def _jpeg_truncated(path: Path) -> bool:
    """Whether a JPEG file ends before its end-of-image marker (FFD9) follows its last
    start-of-scan (FFDA): libjpeg then decodes the missing rows as grey with a mere warning. In
    entropy-coded data every 0xFF byte is stuffed, so FFD9 there can only be the real marker."""
    data = path.read_bytes()
    return data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda")


def read_image(path: Path, autorotate: bool = True) -> np.ndarray:
    """Read an image file as (H, W, 3) uint8 RGB, turned upright by its EXIF orientation (as
    viewers show it) unless ``autorotate`` is False.

    Raises:
        InputError: missing, not a regular file, unreadable, truncated (JPEG) or too small.
    """
    check_input_file(path)
    if path.suffix.lower() in JPEG_SUFFIXES and _jpeg_truncated(path):
        raise InputError(f"truncated JPEG (no end-of-image marker after its last scan): {path}")
    flags = cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR  # 16-bit and grey kept, EXIF honoured
    image = cv2.imread(str(path), flags if autorotate else flags | cv2.IMREAD_IGNORE_ORIENTATION)
    if image is None:
        raise InputError(f"cannot decode image: {path}")
    if image.ndim < 2 or min(image.shape[:2]) < 2:
        raise InputError(f"image too small: {path} {image.shape}")
    return to_rgb(image, str(path))


class _Closing:
    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the source."""


class ImageSource(_Closing):
    """A single still image (one frame, ``t_capture_s`` = 0.0)."""

    is_live = False
    frame_count = 1
    fps = 1.0

    def __init__(self, path: Path, autorotate: bool = True) -> None:
        self._rgb = read_image(path, autorotate)
        self._name = Path(path).name

    def __iter__(self) -> Iterator[Frame]:
        yield Frame(self._rgb, 0, 0.0, self._name)


def natural_key(path: Path) -> tuple:
    """Sort key of a file name with its digit runs compared as numbers ("frame2" before
    "frame10"), as file managers order frames numbered without leading zeros."""
    parts = re.split(r"(\d+)", path.name)
    return tuple((0, int(p), p) if p.isdigit() else (1, p.lower(), p) for p in parts)


class ImageFolderSource(_Closing):
    """Images of a folder in natural name order (:func:`natural_key`); ``t_capture_s`` = index
    / ``fps``. Sub-folders are not read (a warning names them).

    Unreadable files are skipped with a warning (their index is not reused).

    Raises:
        InputError: no image in the folder, or ``fps`` is not a finite number > 0.
    """

    is_live = False

    def __init__(self, folder: Path, fps: float = DEFAULT_FPS, autorotate: bool = True) -> None:
        self.fps = check_frame_rate(fps)
        self.autorotate = autorotate
        entries = list(folder.iterdir())
        self.paths = sorted((p for p in entries if p.suffix.lower() in IMAGE_SUFFIXES
                             and not p.is_dir()), key=natural_key)
        skipped = sorted(p.name for p in entries if p.is_dir())
        if skipped:
            _log.warning("%s: sub-folders are not read (%d: %s)", folder, len(skipped),
                         ", ".join(skipped[:5]) + (", …" if len(skipped) > 5 else ""))
        if not self.paths:
            raise InputError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in folder {folder}")
        self.frame_count = len(self.paths)

    def __iter__(self) -> Iterator[Frame]:
        for i, path in enumerate(self.paths):
            try:
                rgb = read_image(path, self.autorotate)
            except InputError as exc:
                _log.warning("skipping %s", exc)
                continue
            yield Frame(rgb, i, i / self.fps, path.name)


class _StreamClock:
    """Presentation times in seconds from a stream's own timestamps: never negative, always
    increasing; a missing, non-finite or backward time becomes the previous one + 1 / ``fps``."""

    def __init__(self, time_base, origin_pts: int | None, fps: float) -> None:
        self._time_base = float(time_base) if time_base else None
        self._origin = origin_pts
        self._step = 1.0 / fps
        self._last: float | None = None

    def _raw_s(self, pts: int | None) -> float | None:
        if pts is None or self._time_base is None:
            return None
        origin = self._origin if self._origin is not None else pts
        self._origin = origin
        return (pts - origin) * self._time_base

    def time_s(self, pts: int | None) -> float:
        """Seconds since the stream's start for a frame with presentation time ``pts``."""
        t = self._raw_s(pts)
        if self._last is None:
            t = max(t, 0.0) if t is not None and math.isfinite(t) else 0.0
        elif t is None or not math.isfinite(t) or t <= self._last:
            t = self._last + self._step
        self._last = t
        return t


def _open_container(path: Path):
    import av

    try:
        # an absolute path: FFmpeg reads "2024-05-01T10:30:00.mp4" as protocol "2024-05-01T10"
        container = av.open(os.path.abspath(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot open video (not a video or unsupported codec): {path}") from exc
    if not container.streams.video:
        container.close()
        raise InputError(f"no video stream in {path}")
    return container


def main_video_stream(streams):
    """The main one of a file's video streams: the largest (a phone's or camera's preview or
    thumbnail stream is smaller; muxers often mark the first stream default whatever it is),
    then the one marked default, then the first."""
    def key(stream) -> tuple:
        ctx = stream.codec_context
        default = bool(int(getattr(stream, "disposition", 0) or 0) & 1)  # AV_DISPOSITION_DEFAULT
        return int(ctx.width or 0) * int(ctx.height or 0), default, -stream.index

    return max(streams, key=key)


#: Frame rates below this (time-lapses) are kept as they are, down to this; above
#: :data:`MAX_NOMINAL_FPS` the stream's rate is taken as a placeholder.
MIN_NOMINAL_FPS, MAX_NOMINAL_FPS = 0.01, 1000.0


def _nominal_fps(stream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate):
        if rate and MIN_NOMINAL_FPS <= float(rate) <= MAX_NOMINAL_FPS:
            return float(rate)
    return DEFAULT_FPS


#: A video without a frame count in its header (a fragmented MP4) warns when the packets read
#: end before this fraction of the file's bytes (the rest is the container's index and padding,
#: a few percent at most; with a frame count, the count says whether frames were lost).
UNREAD_TAIL_WARN = 0.9


class VideoFileSource(_Closing):
    """Frames of a video file decoded with PyAV; ``t_capture_s`` is the presentation time.

    Damage is survived: an undecodable packet or frame is skipped and counted (one warning at
    the end gives the count) and decoding goes on with the next one. ``t_capture_s`` comes from
    the stream's own presentation times, relative to its start: never negative and always
    increasing (see :class:`_StreamClock`). ``Frame.index`` counts the frames decoded before it,
    so skipped packets take no index. A video that ends before its header's frame count
    (truncated) ends with a warning.

    Raises:
        InputError: missing, not a regular file, not a video, or no decodable frame at all.
    """

    is_live = False

    def __init__(self, path: Path, autorotate: bool = True) -> None:
        self.path = check_input_file(Path(path))
        self.autorotate = autorotate
        self._container = _open_container(self.path)
        self._stream = main_video_stream(self._container.streams.video)
        self._stream.thread_type = "AUTO"
        self.fps = _nominal_fps(self._stream)
        self.frame_count = int(self._stream.frames) or None
        #: Packets or frames skipped as undecodable so far.
        self.skipped = 0
        #: The end of the last packet read, in bytes from the start of the file.
        self._read_to_byte = 0
        self._decoded = self._rgb_frames()
        self._first = next(self._decoded, None)
        if self._first is None:
            self.close()
            raise InputError(f"video has no readable frames: {self.path}")

    def _packets(self):
        import av

        errors = 0
        while errors < MAX_DEMUX_ERRORS_IN_A_ROW:
            try:
                for packet in self._container.demux(self._stream):
                    errors = 0
                    if packet.pos is not None and packet.pos >= 0:
                        self._read_to_byte = max(self._read_to_byte, packet.pos + packet.size)
                    yield packet
                return
            except av.error.FFmpegError:
                errors, self.skipped = errors + 1, self.skipped + 1
        yield None  # given up on the file: flush the decoder

    def _decode(self, packet) -> list:
        import av

        try:
            return list(packet.decode() if packet is not None else self._stream.decode(None))
        except av.error.FFmpegError:
            self.skipped += 1
            return []

    def _rgb_frames(self) -> Iterator[tuple[np.ndarray, int | None]]:
        import av

        for packet in self._packets():
            for frame in self._decode(packet):
                try:
                    rgb = frame.to_ndarray(format="rgb24")
                except (av.error.FFmpegError, ValueError):
                    rgb = None
                if rgb is None or min(rgb.shape[:2]) < Frame.MIN_SIDE_PX:
                    self.skipped += 1  # undecodable, or too small to be a Frame
                    continue
                if self.autorotate:
                    rgb = upright(rgb, frame.rotation)
                yield rgb, frame.pts

    def __iter__(self) -> Iterator[Frame]:
        if self._first is None:
            raise InputError(f"video {self.path} can be read only once")
        clock = _StreamClock(self._stream.time_base, self._stream.start_time, self.fps)
        first, self._first = self._first, None
        index = 0
        for rgb, pts in _chain(first, self._decoded):
            yield Frame(np.ascontiguousarray(rgb), index, clock.time_s(pts))
            index += 1
        self._warn_at_end(index)

    def _warn_at_end(self, decoded: int) -> None:
        of = f" of {self.frame_count}" if self.frame_count is not None else ""
        if self.skipped:
            _log.warning("%s: skipped %d undecodable packet(s) or frame(s) (damaged or truncated "
                         "file?); %d%s frames decoded", self.path, self.skipped, decoded, of)
        elif self.frame_count is not None and decoded < self.frame_count:
            _log.warning("%s: ended after %d%s frames (truncated?)", self.path, decoded, of)
        elif (self.frame_count is None
              and self._read_to_byte < UNREAD_TAIL_WARN * self.path.stat().st_size):
            # a fragmented MP4 has no frame count; a damaged fragment ends its demuxing early
            _log.warning("%s: ended after %d frames, reading stopped at byte %d of %d (damaged "
                         "or truncated file?)", self.path, decoded, self._read_to_byte,
                         self.path.stat().st_size)

    def close(self) -> None:
        self._container.close()


def upright(rgb: np.ndarray, rotation_deg: float) -> np.ndarray:
    """The frame as players show it: rotated counterclockwise by its display matrix's rotation
    (``rotation_deg``, FFmpeg's ``av_display_rotation_get``, rounded to a quarter turn), as
    FFmpeg's autorotate does. Returns ``rgb`` itself when there is nothing to turn."""
    quarter_turns = int(round(float(rotation_deg or 0) / 90.0)) % 4
    return np.rot90(rgb, quarter_turns) if quarter_turns else rgb


def _chain(first, rest):
    yield first
    yield from rest


#: The largest camera index OpenCV takes (a C int).
MAX_CAMERA_INDEX = 2**31 - 1


class CameraSource(_Closing):
    """A live camera; ``t_capture_s`` is ``time.monotonic()`` when the frame was grabbed.

    Raises :class:`InputError` at start when the camera cannot be opened, and during iteration
    when it stops delivering frames for ``timeout_s`` (unplugged).
    """

    is_live = True
    frame_count = None

    def __init__(self, index: int, timeout_s: float = 2.0) -> None:
        self.index, self.timeout_s = index, timeout_s
        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            self._cap.release()
            raise InputError(f"camera {index} cannot be opened (no such device or busy)")
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1.0 <= fps <= 240.0 else DEFAULT_FPS

    def __iter__(self) -> Iterator[Frame]:
        index, last_ok = 0, time.monotonic()
        while True:
            ok, image = self._cap.read()
            now = time.monotonic()
            if not ok or image is None:
                if now - last_ok > self.timeout_s:
                    raise InputError(
                        f"camera {self.index} stopped delivering frames (disconnected?)"
                    )
                time.sleep(0.01)
                continue
            last_ok = now
            yield Frame(to_rgb(image, f"camera {self.index}"), index, now)
            index += 1

    def close(self) -> None:
        self._cap.release()


def _open_camera(spec: str) -> CameraSource:
    try:
        index = int(spec.split(":", 1)[1])
    except ValueError:
        raise InputError(f"bad camera spec {spec!r}: use camera:N, e.g. camera:0") from None
    if index < 0:
        raise InputError(f"bad camera spec {spec!r}: N must be 0 or more")
    if index > MAX_CAMERA_INDEX:
        raise InputError(f"bad camera spec {spec!r}: N must be at most {MAX_CAMERA_INDEX}")
    return CameraSource(index)


def open_source(spec: str, folder_fps: float = DEFAULT_FPS,
                autorotate: bool = True) -> FrameSource:
    """Open ``spec``: ``camera:N``, a folder of images, an image file, or a video file. Images
    and videos are turned upright (EXIF orientation, the video's display matrix) unless
    ``autorotate`` is False; positions are then in the upright frame.

    Raises:
        InputError: the input does not exist, is not a regular file or folder (a device, pipe
            or socket), cannot be read, or ``folder_fps`` is not a finite number > 0 for a
            folder.
    """
    if spec.startswith("camera:"):
        return _open_camera(spec)
    path = Path(spec)
    if path.is_dir():
        return ImageFolderSource(path, folder_fps, autorotate)
    if not path.exists():
        raise InputError(f"no such file or folder: {path}")
    check_input_file(path)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path, autorotate)
    return VideoFileSource(path, autorotate)
