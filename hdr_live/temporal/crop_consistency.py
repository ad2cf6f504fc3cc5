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
        return Hands.of(lambda side: self.update_side(side, crops.get(side)))

    def update_side(self, side: Side, crop: HandCrop | None) -> HandCrop | None:
        """:meth:`update` for one side (None = the side is absent and loses its history).

        The two sides keep separate histories, so each side may be updated from its own thread
        (one thread per side at a time).

        Raises:
            ValueError: ``crop`` is of another side, or a singular stored ``crop_to_frame``.
        """
        if crop is None:
            self._previous.pop(side, None)
            return None
        if crop.side is not side:
            raise ValueError(f"a {crop.side.value} crop given as {side.value}")
        prev = self._previous.get(side)
        result = crop if prev is None else consistent_crop(prev, crop, self._options)
        self._previous[side] = result
        return result
