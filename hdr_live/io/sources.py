"""Frame sources: a video file, a still image, a folder of images, or a camera.

Every source is an iterable of :class:`~hdr_live.types.Frame` (RGB uint8) and a context manager.
Problems with the input raise :class:`InputError` (one clear line) or, for a single bad image in a
folder, are skipped with a warning.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Iterator, Protocol

import cv2
import numpy as np

from hdr_live.types import Frame

_log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})


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


def to_rgb(image: np.ndarray, name: str = "image") -> np.ndarray:
    """Turn an OpenCV image (BGR, BGRA, grayscale; 8 or 16 bit) into (H, W, 3) uint8 RGB.

    Raises:
        InputError: an unsupported shape or dtype.
    """
    if image.dtype == np.uint16:
        image = (image / 257.0).round().astype(np.uint8)
    elif image.dtype in (np.float32, np.float64):
        image = np.clip(image * 255.0 if image.max() <= 1.0 else image, 0, 255).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise InputError(f"{name}: unsupported pixel type {image.dtype}")
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 1):
        return cv2.cvtColor(image.reshape(image.shape[:2]), cv2.COLOR_GRAY2RGB)
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    raise InputError(f"{name}: unsupported image shape {image.shape}")


def read_image(path: Path) -> np.ndarray:
    """Read an image file as (H, W, 3) uint8 RGB.

    Raises:
        InputError: missing, unreadable or too small.
    """
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise InputError(f"cannot decode image: {path}")
    if min(image.shape[:2]) < 2:
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

    def __init__(self, path: Path) -> None:
        self._rgb = read_image(path)

    def __iter__(self) -> Iterator[Frame]:
        yield Frame(self._rgb, 0, 0.0)


class ImageFolderSource(_Closing):
    """Images of a folder in name order; ``t_capture_s`` = index / ``fps``.

    Unreadable files are skipped with a warning (their index is not reused).
    """

    is_live = False

    def __init__(self, folder: Path, fps: float = 30.0) -> None:
        self.paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.paths:
            raise InputError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in folder {folder}")
        self.frame_count = len(self.paths)
        self.fps = fps

    def __iter__(self) -> Iterator[Frame]:
        for i, path in enumerate(self.paths):
            try:
                rgb = read_image(path)
            except InputError as exc:
                _log.warning("skipping %s", exc)
                continue
            yield Frame(rgb, i, i / self.fps)


class VideoFileSource(_Closing):
    """Frames of a video file, decoded by OpenCV; ``t_capture_s`` is the presentation time.

    A video that ends before its header's frame count (truncated) ends with a warning.
    """

    is_live = False

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise InputError(f"no such file: {path}")
        self.path = path
        self._cap = cv2.VideoCapture(str(path))
        if not self._cap.isOpened():
            raise InputError(f"cannot open video (not a video or unsupported codec): {path}")
        ok, first = self._cap.read()
        if not ok or first is None:
            self._cap.release()
            raise InputError(f"video has no readable frames: {path}")
        self._first = first
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1.0 <= fps <= 1000.0 else 30.0
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frame_count = count if count > 0 else None

    def _time_s(self, index: int) -> float:
        ms = self._cap.get(cv2.CAP_PROP_POS_MSEC)
        return ms / 1000.0 if index == 0 or ms > 0 else index / self.fps

    def __iter__(self) -> Iterator[Frame]:
        if self._first is None:
            raise InputError(f"video {self.path} can be read only once")
        image, index, last_t = self._first, 0, -1.0
        self._first = None
        while image is not None:
            t = self._time_s(index)
            t = t if t > last_t else last_t + 1.0 / self.fps  # keep time strictly increasing
            yield Frame(to_rgb(image, str(self.path)), index, t)
            last_t, index = t, index + 1
            ok, image = self._cap.read()
            image = image if ok else None
        if self.frame_count is not None and index < self.frame_count:
            _log.warning(
                "%s: ended after %d of %d frames (truncated?)", self.path, index, self.frame_count
            )

    def close(self) -> None:
        self._cap.release()


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
        self.fps = float(fps) if fps and 1.0 <= fps <= 240.0 else 30.0

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


def open_source(spec: str, folder_fps: float = 30.0) -> FrameSource:
    """Open ``spec``: ``camera:N``, a folder of images, an image file, or a video file.

    Raises:
        InputError: the input does not exist or cannot be read.
    """
    if spec.startswith("camera:"):
        try:
            index = int(spec.split(":", 1)[1])
        except ValueError:
            raise InputError(f"bad camera spec {spec!r}: use camera:N, e.g. camera:0") from None
        return CameraSource(index)
    path = Path(spec)
    if path.is_dir():
        return ImageFolderSource(path, folder_fps)
    if not path.exists():
        raise InputError(f"no such file or folder: {path}")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path)
    return VideoFileSource(path)
