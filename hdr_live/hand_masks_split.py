"""Masks of two hands predicted on two separate regions (one per hand), seen as one
:class:`~hdr_live.hand_masks.HandMasks`.

When the two hands are far apart, one region round both would shrink each hand to a few of
HASM's grid pixels; HASM then runs once per hand (:func:`hdr_live.stages.hasm.learned.
predict_masks`) and each side's planes come from its own region. The hands do not touch there,
so the rule that gives a pixel visible for both hands to one of them has nothing to decide.
"""

from __future__ import annotations

import functools

import numpy as np

from hdr_live.geometry import Box
from hdr_live.hand_masks import HandMasks
from hdr_live.joints import Side


class SplitHandMasks(HandMasks):
    """Right-hand planes from ``right``, left-hand planes from ``left`` (each a scored
    :class:`HandMasks` of the same frame)."""

    def __init__(self, right: HandMasks, left: HandMasks) -> None:  # noqa: D107
        if (right.height, right.width) != (left.height, left.width):
            raise ValueError("SplitHandMasks needs two masks of one frame size")
        self._right, self._left = right, left
        self._frame = None
        self._scores_hwc = None
        self.height, self.width = right.height, right.width

    def _of(self, side: Side) -> HandMasks:
        return self._left if side is Side.LEFT else self._right

    @staticmethod
    def _join(right: np.ndarray, left: np.ndarray) -> np.ndarray:
        return np.concatenate([right[:2], left[2:]], axis=0)

    def with_present(self, present: tuple[bool, bool]) -> HandMasks:
        return SplitHandMasks(self._right.with_present((present[0], False)),
                              self._left.with_present((False, present[1])))

    def kept_within(self, boxes: tuple[Box | None, Box | None]) -> HandMasks:
        return SplitHandMasks(self._right.kept_within((boxes[0], None)),
                              self._left.kept_within((None, boxes[1])))

    @functools.cached_property
    def _frame_masks(self) -> tuple[np.ndarray, ...]:
        r, left = self._right._frame_masks, self._left._frame_masks
        return (r[0], r[1], left[2], left[3])

    @property
    def is_scored(self) -> bool:
        return True

    def in_crop(self, crop_to_frame: np.ndarray, size_px: int) -> np.ndarray:
        return self._join(self._right.in_crop(crop_to_frame, size_px),
                          self._left.in_crop(crop_to_frame, size_px))

    def at_points(self, points_px: np.ndarray) -> np.ndarray:
        return self._join(self._right.at_points(points_px), self._left.at_points(points_px))

    def in_rect(self, box: Box) -> np.ndarray:
        return self._join(self._right.in_rect(box), self._left.in_rect(box))

    def amodal_box(self, side: Side) -> Box | None:
        return self._of(side).amodal_box(side)

    def amodal_area_px(self, side: Side, box: Box | None = None) -> float:
        return self._of(side).amodal_area_px(side, box)
