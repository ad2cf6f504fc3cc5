"""The four HASM masks (HDR paper §3.2), kept where HASM made them: on its own grid.

A :class:`HandMasks` is either

- *scored*: HASM's per-pixel probabilities on its region grid ((4, h, w) float32, the learned
  HASM's S×S region) with the grid→frame affine and a threshold. A mask is evaluated on any
  other pixel grid (a crop, a set of joints, or the whole frame for drawing) by sampling the
  probabilities bilinearly there, thresholding and applying the clean-up rules below. Nothing is
  rasterised at frame size unless a frame-sized mask is asked for (:attr:`HandMasks.right_amodal`
  and the others, for drawing), so the per-frame cost does not grow with the frame size.
- *binary*: four frame-sized bool masks given as they are (the landmark baseline, tests).

Clean-up rules of a scored mask at a pixel (the same wherever it is evaluated):
visible ⊆ amodal for each hand; a pixel visible for both hands goes to the hand with the higher
visible probability; a hand marked absent (``present`` False) has empty masks.

Plane order everywhere: right amodal, right visible, left amodal, left visible.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from hdr_live.checks import check_array
from hdr_live.geometry import Box, apply_affine, compose_affine, invert_affine
from hdr_live.joints import Side

#: Index of each plane in the (4, h, w) stack.
RIGHT_AMODAL, RIGHT_VISIBLE, LEFT_AMODAL, LEFT_VISIBLE = range(4)


def mask_plane(side: Side, visible: bool) -> int:
    """Index of ``side``'s amodal (``visible`` False) or visible mask in the module's plane
    order (e.g. in :meth:`HandMasks.in_crop`'s (4, S, S) output)."""
    return (LEFT_AMODAL if side is Side.LEFT else RIGHT_AMODAL) + int(visible)


def _clean(values: np.ndarray, threshold: float, present: tuple[bool, bool]) -> np.ndarray:
    """(4, ...) probabilities → (4, ...) bool masks with the module's clean-up rules."""
    ra, rv, la, lv = (v > threshold for v in values)
    rv &= ra
    lv &= la
    both = rv & lv
    if both.any():
        right_wins = values[RIGHT_VISIBLE][both] >= values[LEFT_VISIBLE][both]
        rv[both] = right_wins
        lv[both] = ~right_wins
    out = np.stack([ra, rv, la, lv])
    if not present[0]:
        out[:2] = False
    if not present[1]:
        out[2:] = False
    return out


def _in_rect(affine: np.ndarray, width: int, height: int, lo: tuple[float, float],
             hi: tuple[float, float]) -> np.ndarray:
    """(height, width) bool: grid pixels (u, v) whose image ``affine @ (u, v, 1)`` lies in the
    open rectangle ``lo < (x, y) < hi``."""
    u = np.arange(width, dtype=np.float64)
    v = np.arange(height, dtype=np.float64)
    x = np.add.outer(affine[0, 1] * v + affine[0, 2], affine[0, 0] * u)
    y = np.add.outer(affine[1, 1] * v + affine[1, 2], affine[1, 0] * u)
    return (x > lo[0]) & (x < hi[0]) & (y > lo[1]) & (y < hi[1])


class HandMasks:
    """The four masks of one frame: right amodal, right visible, left amodal, left visible.

    ``*_amodal`` is the whole hand including parts hidden by the other hand; ``*_visible`` is the
    part that is seen; visible ⊆ amodal for each hand. Build a binary one with
    ``HandMasks(right_amodal, right_visible, left_amodal, left_visible)`` ((H, W) bool frame
    masks) or a scored one with :meth:`from_scores`; see the module docstring.

    Immutable: the arrays given or returned must not be written to.

    Raises:
        TypeError, ValueError: masks that are not four (H, W) bool arrays of one 2D shape.
    """

    def __init__(self, right_amodal: np.ndarray, right_visible: np.ndarray,
                 left_amodal: np.ndarray, left_visible: np.ndarray) -> None:
        masks = (right_amodal, right_visible, left_amodal, left_visible)
        names = ("right_amodal", "right_visible", "left_amodal", "left_visible")
        if not isinstance(right_amodal, np.ndarray) or right_amodal.ndim != 2:
            shape = getattr(right_amodal, "shape", None)
            raise ValueError(f"HandMasks must be 2D, got {shape}")
        for name, mask in zip(names, masks):
            check_array(mask, f"HandMasks.{name}", right_amodal.shape, np.bool_)
        self._frame: tuple[np.ndarray, ...] | None = masks
        self._scores_hwc: np.ndarray | None = None
        self.height, self.width = (int(v) for v in right_amodal.shape)

    @classmethod
    def from_scores(cls, scores: np.ndarray, grid_to_frame: np.ndarray, height: int, width: int,
                    threshold: float, present: tuple[bool, bool] = (True, True)) -> HandMasks:
        """Scored masks (see the module docstring).

        Args:
            scores: (4, h, w) float32 probabilities in [0, 1] on HASM's grid.
            grid_to_frame: (2, 3) float64 affine from grid pixels to frame pixels.
            height, width: the frame's size in pixels.
            threshold: a pixel is on a mask when its probability is above this.
            present: (right, left): False empties that hand's masks.

        Raises:
            ValueError: scores not (4, h, w) float32, or a singular affine.
        """
        scores = np.asarray(scores)
        if scores.ndim != 3 or scores.shape[0] != 4 or scores.dtype != np.float32:
            raise ValueError(f"scores must be (4, h, w) float32, got {scores.shape} {scores.dtype}")
        self = cls.__new__(cls)
        self._frame = None
        # (h, w, 4): one 4-channel warp evaluates all four planes at once
        self._scores_hwc = np.ascontiguousarray(np.moveaxis(scores, 0, -1))
        self._grid_to_frame = np.asarray(grid_to_frame, dtype=np.float64)
        self._frame_to_grid = invert_affine(self._grid_to_frame)
        self._threshold = float(threshold)
        self._present = (bool(present[0]), bool(present[1]))
        self.height, self.width = int(height), int(width)
        return self

    def with_present(self, present: tuple[bool, bool]) -> HandMasks:
        """These scored masks with (right, left) presence ``present`` (the arrays are shared)."""
        if self._frame is not None:
            raise ValueError("with_present needs scored masks")
        out = HandMasks.__new__(HandMasks)
        out.__dict__.update(self.__dict__)
        out.__dict__.pop("_frame_masks", None)  # a raster made with the old presence
        out._present = (bool(present[0]), bool(present[1]))
        return out

    def kept_within(self, boxes: tuple[Box | None, Box | None]) -> HandMasks:
        """These masks with each hand's two planes kept only inside its box.

        Args:
            boxes: (right, left) boxes in frame pixels (inclusive pixel bounds, as
                :class:`~hdr_live.geometry.Box`); None empties that hand's masks.

        Returns:
            New masks of the same kind (scored or binary); the others' arrays are not changed.
        """
        if self._frame is not None:
            planes = [m.copy() for m in self._frame]
            for k, box in enumerate(boxes):
                for plane in planes[2 * k:2 * k + 2]:
                    keep = np.zeros_like(plane)
                    if box is not None:
                        ys, xs = slice(int(box.y0), int(box.y1) + 1), slice(int(box.x0), int(box.x1) + 1)
                        keep[ys, xs] = plane[ys, xs]
                    plane[...] = keep
            return HandMasks(*planes)
        scores = self._scores_hwc.copy()
        h, w = scores.shape[:2]
        for k, box in enumerate(boxes):
            if box is None:
                scores[..., 2 * k:2 * k + 2] = 0.0
                continue
            inside = _in_rect(self._grid_to_frame, w, h, (box.x0 - 0.5, box.y0 - 0.5),
                              (box.x1 + 0.5, box.y1 + 0.5))
            scores[~inside, 2 * k:2 * k + 2] = 0.0
        present = (self._present[0] and boxes[0] is not None,
                   self._present[1] and boxes[1] is not None)
        return HandMasks.from_scores(np.moveaxis(scores, -1, 0), self._grid_to_frame,
                                     self.height, self.width, self._threshold, present)

    @staticmethod
    def empty(height: int, width: int) -> HandMasks:
        """Four all-false masks of a (height, width) frame (nothing frame-sized is made)."""
        return HandMasks.from_scores(np.zeros((4, 1, 1), np.float32), np.eye(2, 3),
                                     height, width, 0.5, (False, False))

    # -- frame-sized views (drawing, tests) ------------------------------------------------

    @functools.cached_property
    def _frame_masks(self) -> tuple[np.ndarray, ...]:
        if self._frame is not None:
            return self._frame
        return tuple(self._sample(self._frame_to_grid, (self.width, self.height)))

    @property
    def right_amodal(self) -> np.ndarray:
        """(H, W) bool frame-sized (rasterised on first use when scored)."""
        return self._frame_masks[RIGHT_AMODAL]

    @property
    def right_visible(self) -> np.ndarray:
        """(H, W) bool frame-sized (rasterised on first use when scored)."""
        return self._frame_masks[RIGHT_VISIBLE]

    @property
    def left_amodal(self) -> np.ndarray:
        """(H, W) bool frame-sized (rasterised on first use when scored)."""
        return self._frame_masks[LEFT_AMODAL]

    @property
    def left_visible(self) -> np.ndarray:
        """(H, W) bool frame-sized (rasterised on first use when scored)."""
        return self._frame_masks[LEFT_VISIBLE]

    def amodal(self, side: Side) -> np.ndarray:
        """(H, W) bool amodal mask of ``side`` (frame-sized; for drawing)."""
        return self.left_amodal if side is Side.LEFT else self.right_amodal

    def visible(self, side: Side) -> np.ndarray:
        """(H, W) bool visible mask of ``side`` (frame-sized; for drawing)."""
        return self.left_visible if side is Side.LEFT else self.right_visible

    # -- work on small grids (the per-frame path) -----------------------------------------

    @property
    def is_scored(self) -> bool:
        """Scored (HASM's grid) rather than binary frame-sized masks."""
        return self._scores_hwc is not None

    def has(self, side: Side) -> bool:
        """Whether ``side`` has any amodal pixel inside the frame."""
        return self.amodal_box(side) is not None

    def in_crop(self, crop_to_frame: np.ndarray, size_px: int) -> np.ndarray:
        """The four masks on a crop's pixel grid.

        Args:
            crop_to_frame: (2, 3) float64 crop→frame affine (e.g. :func:`~hdr_live.geometry.
                crop_affine`, mirror included).
            size_px: crop side S.

        Returns:
            (4, S, S) bool, plane order as the module docstring. Outside the frame: False.
            Binary masks are sampled nearest-neighbour, scored ones bilinearly then thresholded.
        """
        crop_to_frame = np.asarray(crop_to_frame, dtype=np.float64)
        if self._frame is not None:
            flags = cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
            return np.stack([
                cv2.warpAffine(m.view(np.uint8), crop_to_frame, (size_px, size_px), flags=flags,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)
                for m in self._frame])
        out = self._sample(compose_affine(self._frame_to_grid, crop_to_frame), (size_px, size_px))
        # pixels outside the frame are not on any mask, as in a frame-sized mask
        inside = self._inside_frame(crop_to_frame, size_px)
        if inside is not None:
            out &= inside
        return out

    def at_points(self, points_px: np.ndarray) -> np.ndarray:
        """The four masks at frame pixels (each point rounded to its pixel).

        Args:
            points_px: (N, 2) float frame pixels (x, y).

        Returns:
            (4, N) bool; a point outside the frame is on no mask.
        """
        xy = np.round(np.asarray(points_px, dtype=np.float64)).astype(np.int64)
        inside = ((xy[:, 0] >= 0) & (xy[:, 0] < self.width)
                  & (xy[:, 1] >= 0) & (xy[:, 1] < self.height))
        out = np.zeros((4, len(xy)), dtype=bool)
        if not inside.any():
            return out
        pts = xy[inside]
        if self._frame is not None:
            for k, m in enumerate(self._frame):
                out[k, inside] = m[pts[:, 1], pts[:, 0]]
            return out
        grid = apply_affine(self._frame_to_grid, pts.astype(np.float64)).astype(np.float32)
        values = cv2.remap(self._scores_hwc, grid[:, :1].copy(), grid[:, 1:].copy(),
                           cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                           borderValue=0.0)[:, 0].T
        out[:, inside] = _clean(values, self._threshold, self._present)
        return out

    def in_rect(self, box: Box) -> np.ndarray:
        """The four masks on a rectangle of frame pixels (for drawing a hand without
        rasterising the whole frame).

        Args:
            box: integer pixel bounds inside the frame (e.g. :meth:`amodal_box`).

        Returns:
            (4, h, w) bool, h = y1 − y0 + 1, w = x1 − x0 + 1; the same values as the frame-sized
            masks there.
        """
        x0, y0, x1, y1 = (int(v) for v in (box.x0, box.y0, box.x1, box.y1))
        if self._frame is not None:
            return np.stack([m[y0:y1 + 1, x0:x1 + 1] for m in self._frame])
        shift = np.array([[1.0, 0.0, x0], [0.0, 1.0, y0]])
        return self._sample(compose_affine(self._frame_to_grid, shift),
                            (x1 - x0 + 1, y1 - y0 + 1))

    def visible_at(self, side: Side, points_px: np.ndarray) -> np.ndarray:
        """(N,) bool: ``side``'s visible mask at (N, 2) frame pixels (see :meth:`at_points`)."""
        return self.at_points(points_px)[mask_plane(side, visible=True)]

    def amodal_box(self, side: Side) -> Box | None:
        """Box around ``side``'s amodal pixels in frame pixels, clipped to the frame, or None
        when the mask is empty there. A scored mask's box is measured on HASM's grid (its
        pixels' extent mapped to the frame), so it is as precise as that grid."""
        k = mask_plane(side, visible=False)
        if self._frame is not None:
            from hdr_live.geometry import box_from_mask

            return box_from_mask(self._frame[k])
        if not self._present[k // 2]:
            return None
        on = self._scores_hwc[..., k] > self._threshold
        inside = self._grid_inside
        if inside is not None:
            on &= inside
        ys = np.flatnonzero(on.any(axis=1))
        if ys.size == 0:
            return None
        xs = np.flatnonzero(on.any(axis=0))
        lo, hi = np.array([xs[0] - 0.5, ys[0] - 0.5]), np.array([xs[-1] + 0.5, ys[-1] + 0.5])
        corners = np.array([lo, [hi[0], lo[1]], hi, [lo[0], hi[1]]])
        frame = apply_affine(self._grid_to_frame, corners)
        x0, y0 = np.maximum(np.ceil(frame.min(axis=0) - 1e-6), 0)
        x1 = min(np.floor(frame[:, 0].max() + 1e-6), self.width - 1)
        y1 = min(np.floor(frame[:, 1].max() + 1e-6), self.height - 1)
        if x1 < x0 or y1 < y0:
            return None
        return Box(float(x0), float(y0), float(x1), float(y1))

    def amodal_area_px(self, side: Side, box: Box | None = None) -> float:
        """``side``'s amodal area in frame pixels² (inside ``box``, frame pixels, when given).

        A scored mask's area is its grid pixels' count times one grid pixel's frame area."""
        k = mask_plane(side, visible=False)
        if self._frame is not None:
            m = self._frame[k]
            if box is not None:
                m = m[int(box.y0):int(box.y1) + 1, int(box.x0):int(box.x1) + 1]
            return float(m.sum())
        if not self._present[k // 2]:
            return 0.0
        on = self._scores_hwc[..., k] > self._threshold
        inside = self._grid_inside
        if inside is not None:
            on &= inside
        if box is not None:
            h, w = on.shape
            on = on & _in_rect(self._grid_to_frame, w, h, (box.x0 - 0.5, box.y0 - 0.5),
                               (box.x1 + 0.5, box.y1 + 0.5))
        pixel_area = abs(float(np.linalg.det(self._grid_to_frame[:, :2])))
        return float(on.sum()) * pixel_area

    # -- internals -------------------------------------------------------------------------

    def _sample(self, grid_from: np.ndarray, size_wh: tuple[int, int]) -> np.ndarray:
        """Scored masks on a (h, w) grid whose pixel → HASM-grid pixel affine is ``grid_from``."""
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        values = cv2.warpAffine(self._scores_hwc, grid_from, size_wh, flags=flags,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
        values = np.moveaxis(values.reshape(size_wh[1], size_wh[0], 4), -1, 0)
        return _clean(values, self._threshold, self._present)

    @functools.cached_property
    def _grid_inside(self) -> np.ndarray | None:
        """(h, w) bool: HASM-grid pixels whose centre lies in the frame (None: all do)."""
        h, w = self._scores_hwc.shape[:2]
        inside = _in_rect(self._grid_to_frame, w, h, (-0.5, -0.5),
                          (self.width - 0.5, self.height - 0.5))
        return None if inside.all() else inside

    def _inside_frame(self, crop_to_frame: np.ndarray, size_px: int) -> np.ndarray | None:
        """(S, S) bool: crop pixels whose frame pixel lies in the frame (None: all do)."""
        corners = apply_affine(crop_to_frame, np.array(
            [[0, 0], [size_px - 1, 0], [0, size_px - 1], [size_px - 1, size_px - 1]], float))
        lo, hi = corners.min(axis=0), corners.max(axis=0)
        if lo[0] > -0.5 and lo[1] > -0.5 and hi[0] < self.width - 0.5 and hi[1] < self.height - 0.5:
            return None
        # a crop pixel is on a mask only where its frame pixel exists
        return _in_rect(crop_to_frame, size_px, size_px, (-0.5, -0.5),
                        (self.width - 0.5, self.height - 0.5))
