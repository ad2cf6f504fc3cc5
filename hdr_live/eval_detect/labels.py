"""Box labels of hands in images and clips (the format of ``../shared/dev_real/README.md``).

An image's ``<stem>.labels.json`` has ``hands``: a list of ``{"side": "left" | "right" |
"unknown", "bbox_xyxy": [x0, y0, x1, y1], "person": int, "notes": str}`` (stored-image pixels,
the box covers wrist to fingertips, sides are the person's own hands); a clip's has ``frames``:
``{"<decoded frame index>": [hands...]}``. Both carry ``tags`` and ``label_completeness``
(``"partial"`` where only the clearly visible hands of a crowd are boxed).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from hdr_live.io.json_object import read_json_object
from hdr_live.io.sources import InputError
from hdr_live.joints import Side

LABEL_SUFFIX = ".labels.json"
_MEDIA_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".mp4", ".avi", ".mov", ".mkv",
                   ".webm")
_VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm"})
#: Phrases of a label's notes saying that its one box covers two touching hands.
_TWO_HAND_PHRASES = ("one box covers both", "both hands in one box", "box covers both",
                     "one box covers two")


@dataclasses.dataclass(frozen=True)
class LabelledHand:
    """One labelled hand.

    Attributes:
        side: the person's own hand, or None where the labeller could not tell (``unknown``).
        box_xyxy: (x0, y0, x1, y1) float pixels of the stored image, wrist to fingertips.
        person: index of the person within the file.
        notes: the labeller's words.
    """

    side: Side | None
    box_xyxy: tuple[float, float, float, float]
    person: int
    notes: str

    @property
    def size_px(self) -> float:
        """The box's longer side in pixels."""
        x0, y0, x1, y1 = self.box_xyxy
        return max(x1 - x0, y1 - y0)

    @property
    def hands_in_box(self) -> int:
        """2 when the notes say the box covers two touching hands, else 1."""
        notes = self.notes.lower()
        return 2 if any(p in notes for p in _TWO_HAND_PHRASES) else 1


@dataclasses.dataclass(frozen=True)
class LabelledFile:
    """One labelled image or clip.

    Attributes:
        media_path: the image or video.
        frames: decoded frame index → the hands labelled on it (an image has frame 0 only).
        tags: the file's tags (e.g. ``small_hands``, ``no_hands``).
        complete: False for ``label_completeness: "partial"`` (unlabelled hands may be present,
            so an unmatched prediction there is not counted as a false hand).
        is_video: the media is a clip.
    """

    media_path: Path
    frames: dict[int, tuple[LabelledHand, ...]]
    tags: tuple[str, ...]
    complete: bool
    is_video: bool

    @property
    def name(self) -> str:
        return self.media_path.name


def _hand(path: Path, raw: object) -> LabelledHand:
    if not isinstance(raw, dict):
        raise InputError(f"labels {path}: a hand must be an object, got {raw!r:.60}")
    side = raw.get("side", "unknown")
    if side not in ("left", "right", "unknown"):
        raise InputError(f"labels {path}: side must be left, right or unknown, got {side!r:.30}")
    box = raw.get("bbox_xyxy")
    if not (isinstance(box, list) and len(box) == 4
            and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                    and math.isfinite(v) for v in box)
            and box[2] > box[0] and box[3] > box[1]):
        raise InputError(f"labels {path}: bbox_xyxy must be 4 finite numbers x0 < x1, y0 < y1, "
                         f"got {box!r:.60}")
    person = raw.get("person", 0)
    return LabelledHand(None if side == "unknown" else Side(side),
                        tuple(float(v) for v in box), int(person) if isinstance(person, int)
                        else 0, str(raw.get("notes", "")))


def _hands(path: Path, raw: object) -> tuple[LabelledHand, ...]:
    if not isinstance(raw, list):
        raise InputError(f"labels {path}: hands must be a list, got {type(raw).__name__}")
    return tuple(_hand(path, h) for h in raw)


def _media_beside(path: Path) -> Path:
    stem = path.name[: -len(LABEL_SUFFIX)]
    for suffix in _MEDIA_SUFFIXES:
        for candidate in (path.parent / f"{stem}{suffix}", path.parent / f"{stem}{suffix.upper()}"):
            if candidate.is_file():
                return candidate
    raise InputError(f"no image or clip beside {path}")


def load_labels(path: Path) -> LabelledFile:
    """Read one ``<stem>.labels.json`` and find its image or clip beside it.

    Raises:
        InputError: unreadable JSON, neither ``hands`` nor ``frames``, a hand with a bad side
            or box, a frame key that is not a non-negative integer, or no media beside it.
    """
    data = read_json_object(path, "labels")
    media = _media_beside(Path(path))
    is_video = media.suffix.lower() in _VIDEO_SUFFIXES
    if is_video:
        raw_frames = data.get("frames")
        if not isinstance(raw_frames, dict) or not raw_frames:
            raise InputError(f"labels {path}: a clip needs a non-empty 'frames' object")
        frames = {}
        for key, hands in raw_frames.items():
            if not (isinstance(key, str) and key.isdigit()):
                raise InputError(f"labels {path}: frame key {key!r:.20} is not a frame index")
            frames[int(key)] = _hands(path, hands)
    else:
        frames = {0: _hands(path, data.get("hands"))}
    tags = data.get("tags", [])
    tags = tuple(str(t) for t in tags) if isinstance(tags, list) else ()
    complete = data.get("label_completeness", "all visible hands") != "partial"
    return LabelledFile(media, dict(sorted(frames.items())), tags, complete, is_video)


def find_labels(folder: Path) -> list[LabelledFile]:
    """Every labelled file of a folder, sorted by name.

    Raises:
        InputError: the folder is missing, has no ``*.labels.json``, or one is invalid.
    """
    if not Path(folder).is_dir():
        raise InputError(f"no such folder: {folder}")
    files = sorted(Path(folder).glob(f"*{LABEL_SUFFIX}"))
    if not files:
        raise InputError(f"no *{LABEL_SUFFIX} files in {folder}")
    return [load_labels(f) for f in files]
