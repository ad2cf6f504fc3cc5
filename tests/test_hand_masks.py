"""Scored masks on HASM's grid (hdr_live/hand_masks.py): evaluated on crops, points and, for
drawing, the whole frame, with the same clean-up rules everywhere."""

import cv2
import numpy as np
import pytest

from hdr_live.geometry import Roi, box_from_mask, crop_affine
from hdr_live.hand_masks import HandMasks
from hdr_live.joints import Side


def _scores(seed=0, size=128):
    rng = np.random.default_rng(seed)
    p = cv2.GaussianBlur(rng.random((size, size, 4)).astype(np.float32), (31, 31), 8)
    p = (p - p.min()) / (p.max() - p.min())
    return np.ascontiguousarray(p.transpose(2, 0, 1))


GRID_TO_FRAME = np.array([[5.0, 0.0, 100.0], [0.0, 5.0, -50.0]])  # region partly above the frame


def _old_frame_rule(p, affine, h, w, thr=0.5):
    """The frame-sized masks as HASM made them before (warp to the frame, then threshold)."""
    inv = cv2.invertAffineTransform(affine)
    warped = [cv2.warpAffine(q, inv, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
              for q in p]
    ra, rv, la, lv = (m > thr for m in warped)
    rv &= ra
    lv &= la
    both = rv & lv
    rv[both] = warped[1][both] >= warped[3][both]
    lv[both] = ~rv[both]
    return ra, rv, la, lv


def test_frame_raster_is_the_warp_then_threshold_rule():
    p = _scores()
    masks = HandMasks.from_scores(p, GRID_TO_FRAME, 720, 1280, 0.5)
    for got, want in zip((masks.right_amodal, masks.right_visible, masks.left_amodal,
                          masks.left_visible), _old_frame_rule(p, GRID_TO_FRAME, 720, 1280)):
        np.testing.assert_array_equal(got, want)
    for side in Side:
        assert not (masks.visible(side) & ~masks.amodal(side)).any()
    assert not (masks.right_visible & masks.left_visible).any()


def test_crop_points_box_and_area_agree_with_the_frame_raster():
    p = _scores(1)
    masks = HandMasks.from_scores(p, GRID_TO_FRAME, 720, 1280, 0.5)
    fresh = HandMasks.from_scores(p, GRID_TO_FRAME, 720, 1280, 0.5)
    for side in Side:
        want = box_from_mask(masks.amodal(side))
        got = fresh.amodal_box(side)
        assert max(abs(got.x0 - want.x0), abs(got.y0 - want.y0), abs(got.x1 - want.x1),
                   abs(got.y1 - want.y1)) <= 3.0  # within one grid pixel (5 frame px)
        area = fresh.amodal_area_px(side)
        assert area == pytest.approx(masks.amodal(side).sum(), rel=0.03)
    # a crop partly outside the frame: its masks are the frame raster cut out, up to resampling
    crop = crop_affine(Roi((300.0, 60.0), 400.0), 256, mirror=True)
    planes = fresh.in_crop(crop, 256)
    frame_planes = [masks.right_amodal, masks.right_visible, masks.left_amodal,
                    masks.left_visible]
    for k in range(4):
        cut = cv2.warpAffine(frame_planes[k].view(np.uint8), crop, (256, 256),
                             flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP).astype(bool)
        assert (planes[k] == cut).mean() > 0.98
    # crop rows above the frame (y < 0) are on no mask
    top = np.array([[0.0, 0.0], [255.0, 0.0]]) @ crop[:, :2].T + crop[:, 2]
    assert top[:, 1].max() < 0 and not planes[:, 0].any()
    pts = np.random.default_rng(2).uniform([-20, -20], [1300, 740], (300, 2))
    for side in Side:
        xy = np.round(pts).astype(int)
        inside = (xy[:, 0] >= 0) & (xy[:, 0] < 1280) & (xy[:, 1] >= 0) & (xy[:, 1] < 720)
        want = np.zeros(len(xy), bool)
        want[inside] = masks.visible(side)[xy[inside, 1], xy[inside, 0]]
        np.testing.assert_array_equal(fresh.visible_at(side, pts), want)
    assert "_frame_masks" not in fresh.__dict__  # none of that rasterised the frame


def test_absent_hand_and_empty_masks():
    p = _scores(3)
    masks = HandMasks.from_scores(p, GRID_TO_FRAME, 720, 1280, 0.5, present=(True, False))
    assert masks.has(Side.RIGHT) and not masks.has(Side.LEFT)
    assert not masks.left_amodal.any() and masks.right_amodal.any()
    assert masks.amodal_area_px(Side.LEFT) == 0.0
    assert not masks.in_crop(crop_affine(Roi((400.0, 300.0), 300.0), 64), 64)[2:].any()
    empty = HandMasks.empty(90, 160)
    assert empty.right_amodal.shape == (90, 160) and not empty.right_amodal.any()
    assert empty.amodal_box(Side.LEFT) is None


def test_binary_masks_are_kept_as_given_and_checked():
    ra = np.zeros((60, 80), bool)
    ra[10:30, 20:50] = True
    rv = ra.copy()
    rv[10:15] = False
    z = np.zeros_like(ra)
    masks = HandMasks(ra, rv, z, z)
    assert masks.right_amodal is ra and masks.amodal_box(Side.RIGHT) == box_from_mask(ra)
    assert masks.amodal_area_px(Side.RIGHT) == ra.sum()
    np.testing.assert_array_equal(masks.visible_at(Side.RIGHT, [[25, 12], [25, 20], [90, 20]]),
                                  [False, True, False])
    with pytest.raises(TypeError):
        HandMasks(ra.astype(np.uint8), rv, z, z)
    with pytest.raises(ValueError):
        HandMasks(ra, rv[:10], z, z)
    with pytest.raises(ValueError):
        HandMasks.from_scores(np.zeros((3, 8, 8), np.float32), np.eye(2, 3), 10, 10, 0.5)


def test_drawing_evaluates_the_masks_inside_the_hand_boxes_only():
    """in_rect gives the frame raster's values; the overlay tints through it, so drawing a
    scored result never rasterises the whole frame."""
    from hdr_live.render import draw_overlay
    from hdr_live.types import Frame, FrameResult, Hands, StageTimings

    p = _scores(4)
    raster = HandMasks.from_scores(p, GRID_TO_FRAME, 720, 1280, 0.5)
    masks = HandMasks.from_scores(p, GRID_TO_FRAME, 720, 1280, 0.5)
    for side in Side:
        box = masks.amodal_box(side)
        got = masks.in_rect(box)
        sl = np.s_[int(box.y0):int(box.y1) + 1, int(box.x0):int(box.x1) + 1]
        own = 2 if side is Side.LEFT else 0
        np.testing.assert_array_equal(got[own], raster.amodal(side)[sl])
        np.testing.assert_array_equal(got[own + 1], raster.visible(side)[sl])
    frame = Frame(np.full((720, 1280, 3), 90, np.uint8), 0, 0.0)
    image = draw_overlay(FrameResult(frame, masks, Hands(), Hands(), StageTimings()))
    assert "_frame_masks" not in masks.__dict__
    tinted = np.any(image != 90, axis=2)
    # tinted pixels (beyond the box lines and text) lie on an amodal mask
    inside = raster.right_amodal | raster.left_amodal
    assert tinted[inside].mean() > 0.95


@pytest.mark.parametrize("scored", [True, False])
def test_kept_within_keeps_each_hand_inside_its_box_only(scored):
    h, w = 400, 600
    scored_masks = HandMasks.from_scores(_scores(3), GRID_TO_FRAME, h, w, 0.5)
    masks = scored_masks if scored else HandMasks(*(m.copy() for m in (
        scored_masks.right_amodal, scored_masks.right_visible, scored_masks.left_amodal,
        scored_masks.left_visible)))
    from hdr_live.geometry import Box

    box = Box(150.0, 40.0, 420.0, 300.0)
    kept = masks.kept_within((box, None))
    # a scored mask is cut on its grid (5 frame pixels a grid pixel): exact one grid pixel in
    t = 5 if scored else 0
    inside = np.zeros((h, w), bool)
    inside[40 - t:301 + t, 150 - t:421 + t] = True
    core = np.zeros((h, w), bool)
    core[40 + t:301 - t, 150 + t:421 - t] = True
    got, given = kept.right_amodal, masks.right_amodal
    assert not (got & ~inside).any() and not (got & ~given).any()
    np.testing.assert_array_equal(got & core, given & core)
    # visible ⊆ amodal still; with the left hand gone, pixels both called visible are the right's
    assert not (kept.right_visible & ~kept.right_amodal).any()
    assert not (kept.right_visible & ~inside).any()
    assert not (masks.right_visible & core & ~kept.right_visible).any()
    assert not (kept.right_visible & ~(masks.right_visible | masks.left_visible)).any()
    assert masks.right_amodal[~inside].any()  # there was something to cut
    assert not kept.left_amodal.any() and not kept.left_visible.any()
    assert kept.amodal_box(Side.LEFT) is None
    # the given masks are unchanged
    assert masks.left_amodal.any()


def test_kept_within_of_masks_from_two_regions():
    from hdr_live.geometry import Box
    from hdr_live.hand_masks_split import SplitHandMasks

    h, w = 400, 600
    right = HandMasks.from_scores(_scores(4), GRID_TO_FRAME, h, w, 0.5)
    left = HandMasks.from_scores(_scores(5), GRID_TO_FRAME, h, w, 0.5)
    split = SplitHandMasks(right, left)
    kept = split.kept_within((None, Box(150.0, 40.0, 420.0, 300.0)))
    assert not kept.right_amodal.any() and kept.amodal_box(Side.RIGHT) is None
    assert kept.left_amodal.any() and not kept.left_amodal[:, :145].any()
    assert not (kept.left_amodal & ~split.left_amodal).any()
