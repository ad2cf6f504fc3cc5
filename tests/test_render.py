"""The overlay scales with the image: text, line widths and insets; tiny and extreme images;
joints far outside the frame or not finite."""

import numpy as np
import pytest

from hdr_live.joints import Side
from hdr_live.render import (MAX_TEXT_HEIGHT_FRACTION, MIN_FONT_SCALE, OverlayOptions,
                             OverlayStyle, draw_overlay, fit_font_scale)
from hdr_live.types import Frame, FrameResult, HandCrop, HandMasks, HandPose, Hands, StageTimings

CAPTION = "hdr (HASM learned-segformer, HDRM baseline-inpaint, SHPE mediapipe-landmark)"


def _crop(side):
    z = np.zeros((64, 64), bool)
    return HandCrop(side, np.full((64, 64, 3), 220, np.uint8), np.zeros((64, 64, 3), np.uint8),
                    np.eye(2, 3), side is Side.LEFT, z, z, z)


def _result(h, w, joints=None, hands=True):
    rgb = np.full((h, w, 3), 90, np.uint8)
    masks = HandMasks.empty(h, w)
    if joints is None:
        joints = np.random.default_rng(0).uniform(0, [w, h], (21, 2))
    pose = HandPose(Side.RIGHT, joints, np.zeros((21, 3)), np.arange(21) % 3 > 0, 0.9)
    poses = Hands(right=pose) if hands else Hands()
    crops = Hands(right=_crop(Side.RIGHT), left=_crop(Side.LEFT)) if hands else Hands()
    return FrameResult(Frame(rgb, 7, 0.2), masks, crops, poses, StageTimings(50, 10, 40))


def _changed_rows(before, after):
    return np.flatnonzero((before != after).any(axis=(1, 2)))


@pytest.mark.parametrize("h, w", [(2, 2), (3, 4096), (4096, 3), (64, 64), (240, 320),
                                  (720, 1280), (2160, 3840)])
def test_any_size_gives_an_image_of_that_size(h, w):
    result = _result(h, w)
    out = draw_overlay(result, 12.0, OverlayOptions(caption=CAPTION))
    assert out.shape == (h, w, 3) and out.dtype == np.uint8
    assert (result.frame.rgb == 90).all()  # the frame is not modified


@pytest.mark.parametrize("h, w", [(64, 64), (100, 80), (240, 320), (2, 2)])
def test_text_never_covers_a_small_image(h, w):
    result = _result(h, w, hands=False)
    out = draw_overlay(result, 12.0, OverlayOptions(caption=CAPTION))
    changed = _changed_rows(result.frame.rgb, out)
    assert len(changed) <= MAX_TEXT_HEIGHT_FRACTION * h


def test_text_is_drawn_and_fits_on_a_large_image():
    for h, w in [(720, 1280), (2160, 3840), (360, 640)]:
        result = _result(h, w, hands=False)
        out = draw_overlay(result, 12.0, OverlayOptions(caption=CAPTION))
        rows = _changed_rows(result.frame.rgb, out)
        assert len(rows) > 0 and rows.min() > h * (1 - MAX_TEXT_HEIGHT_FRACTION)
        margin = OverlayStyle.for_size(h, w).margin_px
        assert (out[:, w - margin :] == 90).all()  # nothing runs off the right edge


def test_sizes_scale_with_the_image():
    small, ref, big = (OverlayStyle.for_size(*s) for s in [(240, 320), (720, 1280), (2160, 3840)])
    assert small.line_px < ref.line_px < big.line_px
    assert small.font_scale <= ref.font_scale < big.font_scale
    assert small.margin_px < ref.margin_px < big.margin_px
    assert ref.line_px == 3  # the 720 px reference keeps the former widths


def test_insets_scale_and_vanish_on_small_images():
    def inset_side(h, w):
        out = draw_overlay(_result(h, w, joints=np.full((21, 2), -1e6)), None, OverlayOptions())
        corner = (out[: h // 2, w // 2 :] == 220).all(axis=2)
        return int(corner.any(axis=1).sum())

    assert inset_side(64, 64) == 0
    assert 0 < inset_side(360, 640) < inset_side(720, 1280) < inset_side(2160, 3840)


def test_far_and_non_finite_joints_are_drawn_or_skipped():
    joints = np.random.default_rng(1).uniform(0, 100, (21, 2))
    joints[0] = [np.nan, 5]
    joints[1] = [np.inf, -np.inf]
    joints[2] = [1e15, -1e15]
    out = draw_overlay(_result(120, 160, joints=joints))
    assert out.shape == (120, 160, 3)


def test_fit_font_scale():
    assert fit_font_scale("abc", 1.0, 10_000) == 1.0
    assert MIN_FONT_SCALE <= fit_font_scale("abc" * 40, 1.0, 1200) < 1.0
    assert fit_font_scale("abc" * 40, 1.0, 20) is None
    assert fit_font_scale("", 1.0, 100) is None


def _pose_at(joints, inferred):
    return HandPose(Side.LEFT, joints, np.zeros((21, 3)), np.zeros(21, bool), 0.4,
                    inferred=inferred)


def test_an_inferred_hand_is_drawn_dashed_and_labelled():
    """A hidden, inferred hand is drawn, but with fewer pixels than an observed one on the
    same joints (dashed bones, hollow joints), and labelled "(inferred)" beside its wrist."""
    h, w = 360, 480
    t = np.linspace(0, 1, 21)
    joints = np.stack([120 + 200 * t, 100 + 150 * np.sin(3 * t)], axis=1)
    background = np.full((h, w, 3), 90, np.uint8)
    drawn = {}
    for inferred in (False, True):
        result = FrameResult(Frame(background.copy(), 0, 0.0), HandMasks.empty(h, w), Hands(),
                             Hands(left=_pose_at(joints, inferred)), StageTimings())
        out = draw_overlay(result, options=OverlayOptions(insets=False))
        drawn[inferred] = (out != background).any(axis=2)
    bones = np.zeros((h, w), bool)
    bones[110:260, 100:340] = True  # below the label, above the footer
    observed, inferred = (drawn[k] & bones for k in (False, True))
    assert inferred.sum() > 0.2 * observed.sum()
    assert inferred.sum() < observed.sum()
    # the label sits right of the wrist (120, 100)
    assert drawn[True][85:110, 135:200].sum() > drawn[False][85:110, 135:200].sum()
