"""Tzionas-style clips: numbered RGB frames with a 2D ground-truth text file per annotated frame.

Source: D. Tzionas, L. Ballan, A. Srikantha, P. Aponte, M. Pollefeys, J. Gall, "Capturing Hands in
Action using Discriminative Salient Points and Physics Simulation", IJCV 2016. The HDR paper
(Meng et al., ECCV 2022, §5) evaluates on its real-world two-hand sequences (640×480 Kinect RGB,
every fifth frame annotated by hand).

Two folder layouts are accepted:

- *flat*, as the HDR repository's demo names its sample: ``<seq>-rgb-NNN.png`` beside
  ``<seq>-joints_2D_GT-NNN.txt`` (one ``<seq>`` per folder);
- *split*, as the dataset itself is laid out: ``rgb/NNN.png`` and ``joints_2D_GT/NNN.txt``.

``NNN`` is a decimal frame number (any number of digits; a frame and its ground truth match by
its value, so ``7`` matches ``007``). Any image suffix of
:data:`hdr_live.io.sources.IMAGE_SUFFIXES` is accepted for the frames.

Ground-truth file: 28 lines ``index x y`` (whitespace-separated; the dataset uses tabs and
integers). Joints 0-13 are the person's right hand, 14-27 the left; per hand, in order: little
MCP, PIP, DIP; ring MCP, PIP, DIP; middle MCP, PIP, DIP; index MCP, PIP, DIP; thumb MCP, IP.
``0 0`` means "not annotated". Wrist, thumb CMC and the five tips have no ground truth.

Coordinates: the files hold frame pixels, x right, y down. Nothing in the dataset states the
origin; readers in public code (a Torch loader that adds 1 to go to 1-based indexing, a Python
loader using the principal point (319.5, 239.5) for 640×480, the HDR demo plotting them on the
image unchanged) all treat them as 0-based with the origin at the centre of the top-left pixel,
which is this project's *frame pixels* convention. They are therefore taken as given, with no
conversion.

Scoring a clip with the paper's protocol: :mod:`hdr_live.eval_tzionas`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from hdr_live.io.sources import (
    DEFAULT_FPS,
    IMAGE_SUFFIXES,
    InputError,
    check_frame_rate,
    read_image,
)
from hdr_live.joints import NUM_JOINTS, Joint, Side
from hdr_live.types import Frame, Hands

_log = logging.getLogger(__name__)

#: Lines in a ground-truth file (14 joints per hand, right hand first).
TZIONAS_NUM_JOINTS = 28
#: Joints per hand in a ground-truth file.
TZIONAS_JOINTS_PER_HAND = 14

#: For each of the 14 joints of one hand, in file order, its index in the 21-joint order.
TZIONAS_TO_JOINT: tuple[int, ...] = (
    Joint.PINKY_MCP, Joint.PINKY_PIP, Joint.PINKY_DIP,
    Joint.RING_MCP, Joint.RING_PIP, Joint.RING_DIP,
    Joint.MIDDLE_MCP, Joint.MIDDLE_PIP, Joint.MIDDLE_DIP,
    Joint.INDEX_MCP, Joint.INDEX_PIP, Joint.INDEX_DIP,
    Joint.THUMB_MCP, Joint.THUMB_IP,
)

#: The hand of each block of 14 file lines, in file order.
TZIONAS_SIDES: tuple[Side, Side] = (Side.RIGHT, Side.LEFT)

RGB_DIR = "rgb"
GT_DIR = "joints_2D_GT"

_FLAT_FRAME = re.compile(r"^(?P<seq>.+)-rgb-(?P<num>[0-9]+)$")
_FLAT_GT = re.compile(r"^(?P<seq>.+)-joints_2D_GT-(?P<num>[0-9]+)\.txt$")
_NUMBER = re.compile(r"^[0-9]+$")
_INDEX = re.compile(r"^[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")


class TzionasFormatError(InputError, ValueError):
    """A ground-truth file's content is invalid; the message names the file (and the line).

    Both an :class:`~hdr_live.io.sources.InputError` (the CLI prints it as one line) and a
    ``ValueError``.
    """


# --------------------------------------------------------------------------- frames of a folder


@dataclasses.dataclass(frozen=True)
class TzionasFrame:
    """One frame of a Tzionas-style clip.

    Attributes:
        image_path: the RGB frame.
        number: the frame number ``NNN`` of its name (an int ≥ 0).
        gt_path: its ground-truth text file, or None when the frame is not annotated.
    """

    image_path: Path
    number: int
    gt_path: Path | None


def _is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()


def _numbered(entries: Iterable[tuple[int, Path]], what: str) -> dict[int, Path]:
    """number → path, refusing two files with the same number (e.g. ``7.png`` and ``007.png``)."""
    out: dict[int, Path] = {}
    for number, path in entries:
        if number in out:
            first, second = sorted((out[number].name, path.name))
            raise InputError(f"two {what} with frame number {number} in {path.parent}: "
                             f"{first} and {second}")
        out[number] = path
    return out


def _flat_images(folder: Path) -> dict[str, list[tuple[int, Path]]]:
    """``<seq>`` → [(number, image)] for the ``<seq>-rgb-NNN.<image>`` files of ``folder``."""
    found: dict[str, list[tuple[int, Path]]] = {}
    for path in folder.iterdir():
        match = _FLAT_FRAME.match(path.stem)
        if match and _is_image(path):
            found.setdefault(match["seq"], []).append((int(match["num"]), path))
    return found


def _split_images(folder: Path) -> list[tuple[int, Path]]:
    rgb = folder / RGB_DIR
    if not rgb.is_dir():
        return []
    return [(int(p.stem), p) for p in rgb.iterdir() if _NUMBER.match(p.stem) and _is_image(p)]


def _pair(images: dict[int, Path], gts: dict[int, Path], folder: Path) -> list[TzionasFrame]:
    orphans = sorted(set(gts) - set(images))
    if orphans:
        _log.warning("%s: ignoring %d ground-truth file(s) without a frame (frame numbers %s)",
                     folder, len(orphans), ", ".join(map(str, orphans[:10]))
                     + (", ..." if len(orphans) > 10 else ""))
    return [TzionasFrame(images[n], n, gts.get(n)) for n in sorted(images)]


def _flat_frames(folder: Path, by_seq: dict[str, list[tuple[int, Path]]]) -> list[TzionasFrame]:
    if len(by_seq) > 1:
        names = ", ".join(sorted(by_seq))
        raise InputError(f"{folder} holds frames of more than one sequence ({names}): "
                         "put each sequence in its own folder")
    (seq, entries), = by_seq.items()
    images = _numbered(entries, "frames")
    gts = []
    for path in folder.iterdir():
        match = _FLAT_GT.match(path.name)
        if match and match["seq"] == seq and path.is_file():
            gts.append((int(match["num"]), path))
    return _pair(images, _numbered(gts, "ground-truth files"), folder)


def _split_frames(folder: Path, entries: list[tuple[int, Path]]) -> list[TzionasFrame]:
    images = _numbered(entries, "frames")
    gt_dir = folder / GT_DIR
    gts = []
    if gt_dir.is_dir():
        gts = [(int(p.stem), p) for p in gt_dir.iterdir()
               if p.suffix == ".txt" and _NUMBER.match(p.stem) and p.is_file()]
    return _pair(images, _numbered(gts, "ground-truth files"), folder)


def _layouts(folder: Path) -> tuple[dict[str, list[tuple[int, Path]]], list[tuple[int, Path]]]:
    try:
        return _flat_images(folder), _split_images(folder)
    except OSError as exc:
        raise InputError(f"cannot list folder {folder}: {exc}") from exc


def is_tzionas_folder(folder: Path) -> bool:
    """Whether ``folder`` looks like a Tzionas-style clip in either layout.

    True when it holds at least one ``<seq>-rgb-NNN.<image>`` file or has an ``rgb/`` folder
    with at least one ``NNN.<image>``. It does not check the rest:
    :func:`find_tzionas_frames` may still refuse it (several sequences, two frames with one
    number, both layouts at once). Never raises; False for a missing or unreadable folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return False
    try:
        flat, split = _layouts(folder)
    except InputError:
        return False
    return bool(flat or split)


def find_tzionas_frames(folder: Path) -> list[TzionasFrame]:
    """The frames of a Tzionas-style clip, sorted by frame number, each with its ground truth.

    Layouts (see the module docstring): flat ``<seq>-rgb-NNN.<image>`` beside
    ``<seq>-joints_2D_GT-NNN.txt``, or split ``rgb/NNN.<image>`` and ``joints_2D_GT/NNN.txt``
    (the ``joints_2D_GT/`` folder may be absent: no frame is annotated). Other files are
    ignored; a ground-truth file without a frame is ignored with a warning. The files are
    listed, not read.

    Raises:
        InputError: the folder is missing or unreadable, is neither layout, has both, holds
            frames of more than one ``<seq>``, or has two frames (or two ground-truth files)
            with the same number. The message is one line and names the folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"no such folder: {folder}")
    flat, split = _layouts(folder)
    if flat and split:
        raise InputError(f"{folder} has both <seq>-rgb-NNN images and an {RGB_DIR}/ folder: "
                         "use one Tzionas layout per folder")
    if flat:
        return _flat_frames(folder, flat)
    if split:
        return _split_frames(folder, split)
    raise InputError(
        f"{folder} is not a Tzionas-style clip: expected <seq>-rgb-NNN images (beside "
        f"<seq>-joints_2D_GT-NNN.txt) or {RGB_DIR}/NNN images (and {GT_DIR}/NNN.txt)")


class TzionasFolderSource:
    """The frames of a Tzionas-style clip in frame-number order, as a frame source.

    Same interface as :class:`hdr_live.io.sources.ImageFolderSource`: ``Frame.index`` is the
    frame's position in :attr:`frames` (so ``source.frames[frame.index]`` is its
    :class:`TzionasFrame`) and ``t_capture_s`` = index / ``fps``. An unreadable image is
    skipped with a warning and its index is not reused.

    Raises:
        InputError: as :func:`find_tzionas_frames`, or ``fps`` not a finite number > 0.
    """

    is_live = False

    def __init__(self, folder: Path, fps: float = DEFAULT_FPS) -> None:
        self.fps = check_frame_rate(fps)
        self.frames: list[TzionasFrame] = find_tzionas_frames(folder)
        self.frame_count = len(self.frames)

    def __iter__(self) -> Iterator[Frame]:
        for i, frame in enumerate(self.frames):
            try:
                rgb = read_image(frame.image_path)
            except InputError as exc:
                _log.warning("skipping %s", exc)
                continue
            yield Frame(rgb, i, i / self.fps)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- ground-truth files


@dataclasses.dataclass(frozen=True)
class TzionasGroundTruth:
    """The 2D ground truth of one frame, in the 21-joint order.

    Attributes:
        path: the file it was read from.
        joints_px: per side (both always present) a (21, 2) float64 array of frame pixels
            (x right, y down, origin at the centre of the top-left pixel), NaN rows for joints
            without ground truth (wrist, thumb CMC, tips) or annotated ``0 0``.
        annotated: per side (both always present) a (21,) bool array, True where
            ``joints_px`` has a value.
    """

    path: Path
    joints_px: Hands[np.ndarray]
    annotated: Hands[np.ndarray]

    def count(self, side: Side) -> int:
        """Annotated joints of ``side`` (0 to 14)."""
        return int(self.annotated.get(side).sum())

    def hands_px(self) -> Hands[np.ndarray]:
        """``joints_px`` with None for a hand without any annotated joint, the convention of
        :class:`hdr_live.eval2d.GroundTruth` (for :func:`hdr_live.eval2d.evaluate_hands`)."""
        return Hands.of(lambda s: self.joints_px.get(s) if self.count(s) else None)


def _fail(path: Path, line_no: int, message: str) -> TzionasFormatError:
    return TzionasFormatError(f"ground truth {path}, line {line_no}: {message}")


def _parse_line(path: Path, line_no: int, text: str) -> tuple[int, float, float]:
    fields = text.split()
    if len(fields) != 3:
        raise _fail(path, line_no, f"expected 3 fields 'index x y', got {len(fields)}: "
                                   f"{text.strip()!r:.60}")
    index_text, *xy_text = fields
    if not _INDEX.match(index_text):
        raise _fail(path, line_no, f"joint index must be an integer, got {index_text!r:.30}")
    index = int(index_text)
    if not 0 <= index < TZIONAS_NUM_JOINTS:
        raise _fail(path, line_no, f"joint index must be 0-{TZIONAS_NUM_JOINTS - 1}, got {index}")
    xy = []
    for name, value in zip("xy", xy_text, strict=True):
        number = float(value) if _DECIMAL.match(value) else math.nan
        if not math.isfinite(number):
            raise _fail(path, line_no, f"{name} must be a finite number, got {value!r:.30}")
        xy.append(number)
    return index, xy[0], xy[1]


def _read_text(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TzionasFormatError(f"ground truth {path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise InputError(f"cannot read ground truth {path}: {exc.strerror or exc}") from exc


def _file_rows(path: Path) -> np.ndarray:
    """(28, 2) float64 in file-index order, read and checked strictly."""
    rows = np.full((TZIONAS_NUM_JOINTS, 2), np.nan)
    seen: dict[int, int] = {}
    for line_no, text in enumerate(_read_text(path).splitlines(), start=1):
        if not text.strip():
            continue
        index, x, y = _parse_line(path, line_no, text)
        if index in seen:
            raise _fail(path, line_no, f"joint index {index} again (first on line {seen[index]})")
        seen[index] = line_no
        rows[index] = (x, y)
    if len(seen) != TZIONAS_NUM_JOINTS:
        raise TzionasFormatError(f"ground truth {path}: expected {TZIONAS_NUM_JOINTS} joint "
                                 f"lines, got {len(seen)}")
    return rows


def read_tzionas_joints(path: Path) -> TzionasGroundTruth:
    """Read one Tzionas ground-truth file and map it to the 21-joint order.

    The file must have exactly 28 non-blank lines ``index x y`` (whitespace-separated, any
    order), every index an integer 0-27 appearing once, ``x`` and ``y`` finite decimal numbers
    (frame pixels, taken as given: see the module docstring). Blank lines are ignored; line
    numbers in messages count them. ``0 0`` marks a joint that is not annotated.

    Returns:
        A :class:`TzionasGroundTruth`: lines 0-13 → ``Side.RIGHT``, 14-27 → ``Side.LEFT``, each
        through :data:`TZIONAS_TO_JOINT`.

    Raises:
        TzionasFormatError: (a ``ValueError`` and an ``InputError``) a line without exactly 3
            fields, a non-integer or out-of-range index, a repeated index, a non-numeric or
            non-finite coordinate (line named), not UTF-8, or not 28 joint lines.
        InputError: the file cannot be read.
    """
    rows = _file_rows(Path(path))
    joints: dict[Side, np.ndarray] = {}
    for block, side in enumerate(TZIONAS_SIDES):
        arr = np.full((NUM_JOINTS, 2), np.nan)
        hand = rows[block * TZIONAS_JOINTS_PER_HAND:(block + 1) * TZIONAS_JOINTS_PER_HAND]
        annotated = ~np.all(hand == 0.0, axis=1)
        arr[list(TZIONAS_TO_JOINT)] = np.where(annotated[:, None], hand, np.nan)
        joints[side] = arr
    mask = {side: np.isfinite(arr).all(axis=1) for side, arr in joints.items()}
    return TzionasGroundTruth(
        path=Path(path),
        joints_px=Hands(left=joints[Side.LEFT], right=joints[Side.RIGHT]),
        annotated=Hands(left=mask[Side.LEFT], right=mask[Side.RIGHT]),
    )
