"""Stateful per-side wrapper of :func:`hdr_live.temporal.flow.consistent_crop` for a stream."""

from __future__ import annotations

from hdr_live.joints import Side
from hdr_live.temporal.flow import FlowOptions, consistent_crop
from hdr_live.types import HandCrop, Hands


class CropConsistency:
    """Recursive flow consistency of restored crops, one history per side.

    Each call blends the previous *output* crop of a side into its current crop (see
    :func:`~hdr_live.temporal.flow.consistent_crop`); a side absent from a call loses its history,
    so a hand that reappears starts from its raw HDRM crop. Not thread-safe.
    """

    def __init__(self, options: FlowOptions | None = None) -> None:
        self._options = options or FlowOptions()
        self._previous: dict[Side, HandCrop] = {}

    def reset(self) -> None:
        """Forget both sides."""
        self._previous.clear()

    def update(self, crops: Hands[HandCrop]) -> Hands[HandCrop]:
        """The consistent crops of this frame (same sides as ``crops``).

        Raises:
            ValueError: a singular ``crop_to_frame`` in the stored previous crop.
        """
        out: Hands[HandCrop] = Hands()
        for side in (Side.RIGHT, Side.LEFT):
            cur = crops.get(side)
            if cur is None:
                self._previous.pop(side, None)
                continue
            prev = self._previous.get(side)
            result = cur if prev is None else consistent_crop(prev, cur, self._options)
            self._previous[side] = result
            out = out.with_side(side, result)
        return out
