"""The top-level boxes of an MP4 file (ISO/IEC 14496-12 §4.2: 32-bit size and type, a 64-bit
size when the size is 1, "to the end of the file" when it is 0), and cutting a fragmented MP4
back to its last whole fragment after a failed write."""

from __future__ import annotations

import os
import struct
from pathlib import Path

#: Boxes that close a fragment (a ``moof`` is whole only with the ``mdat`` after it).
_FRAGMENT_HEAD, _FRAGMENT_DATA = b"moof", b"mdat"


def top_level_boxes(path: Path) -> list[tuple[bytes, int, int]]:
    """``(type, start, end)`` byte offsets of each top-level box, in file order, up to the first
    box that runs past the end of the file (a box cut short is not listed).

    Raises:
        OSError: the file cannot be read.
    """
    size_on_disk = os.path.getsize(path)
    boxes = []
    with open(path, "rb") as f:
        offset = 0
        while offset + 8 <= size_on_disk:
            f.seek(offset)
            size, kind = struct.unpack(">I4s", f.read(8))
            if size == 1:
                if offset + 16 > size_on_disk:
                    break
                size = struct.unpack(">Q", f.read(8))[0]
            elif size == 0:
                size = size_on_disk - offset
            if size < 8 or offset + size > size_on_disk:
                break
            boxes.append((kind, offset, offset + size))
            offset += size
    return boxes


def whole_fragments_end(path: Path) -> int:
    """The byte offset after the last whole box, where a ``moof`` counts only together with
    the ``mdat`` that follows it: what a fragmented MP4 cut short by a full disk can be
    truncated to so that every reader plays it to its last whole frame."""
    end, open_fragment = 0, False
    for kind, _, box_end in top_level_boxes(path):
        if kind == _FRAGMENT_HEAD:
            open_fragment = True
            continue
        if kind == _FRAGMENT_DATA or not open_fragment:
            end, open_fragment = box_end, False
    return end


def trim_to_whole_fragments(path: Path) -> bool:
    """Truncate ``path`` after its last whole fragment (:func:`whole_fragments_end`); returns
    True when bytes were cut. Errors are swallowed (best effort after a failure)."""
    try:
        end = whole_fragments_end(path)
        if end < os.path.getsize(path):
            os.truncate(path, end)
            return True
    except OSError:
        pass
    return False
