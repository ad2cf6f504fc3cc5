import cv2
import numpy as np

from hdr_live.geometry import apply_affine, invert_affine
from hdr_live.joints import Side
from hdr_live.stages.hdrm.masks import CropOptions, build_crop_inputs, deocclusion_removal_masks
from hdr_live.stages.hdrm.stage import Hdrm
from hdr_live.stages.hdrm.inpaint import InpaintRestorerBaseline
from hdr_live.types import Frame, HandMasks


def _disc(shape, center, radius):
    m = np.zeros(shape, np.uint8)
    cv2.circle(m, center, radius, 1, -1)
    return m.astype(bool)


def _two_discs(shape=(240, 320)):
    """Right hand: disc at (130, 120); left hand in front, overlapping from the right."""
    ra, la = _disc(shape, (130, 120), 50), _disc(shape, (190, 120), 45)
    lv = la.copy()
    rv = ra & ~la
    return HandMasks(ra, rv, la, lv)


def test_md_mr_formulas_eq2():
    m = _two_discs()
    m_d, m_r = deocclusion_removal_masks(m.right_amodal, m.right_visible, m.left_visible)
    # M_D = M_ra (1 - M_rv): exactly where the left disc hides the right one
    np.testing.assert_array_equal(m_d, m.right_amodal & m.left_amodal)
    # M_R = (1 - M_ra) M_lv: the left hand's visible pixels outside the right's amodal mask
    np.testing.assert_array_equal(m_r, m.left_amodal & ~m.right_amodal)
    assert not (m_d & m_r).any()


def test_crop_inputs_are_centred_mirrored_for_left_and_keep_eq2():
    rng = np.random.default_rng(0)
    frame = Frame(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8), 0, 0.0)
    masks = _two_discs()
    right = build_crop_inputs(frame, masks, Side.RIGHT, False, CropOptions(size_px=128))
    left = build_crop_inputs(frame, masks, Side.LEFT, False, CropOptions(size_px=128))
    assert not right.mirrored and left.mirrored
    assert build_crop_inputs(frame, masks, Side.LEFT, True, CropOptions()).mirrored is False
    # the crop centre maps to the centre of the target's amodal box
    np.testing.assert_allclose(apply_affine(right.crop_to_frame, [[63.5, 63.5]])[0], [130, 120])
    np.testing.assert_allclose(apply_affine(left.crop_to_frame, [[63.5, 63.5]])[0], [190, 120])
    # mirrored: the distractor (right hand, at smaller x in the frame) appears on the crop's right
    ys, xs = np.nonzero(left.other_amodal)
    assert xs.mean() > 64
    for ci in (right, left):
        m_d, m_r = deocclusion_removal_masks(ci.target_amodal, ci.target_visible, ci.other_visible)
        np.testing.assert_array_equal(ci.m_d, m_d)
        np.testing.assert_array_equal(ci.m_r, m_r)
        np.testing.assert_array_equal(ci.m_bv, ~ci.target_amodal & ~ci.other_amodal)
    # the image crop samples the frame through the affine (spot check, nearest pixel)
    u, v = 40, 70
    x, y = np.round(apply_affine(left.crop_to_frame, [[u, v]])[0]).astype(int)
    assert np.abs(left.image_rgb[v, u].astype(int) - frame.rgb[y, x].astype(int)).max() < 120
    np.testing.assert_allclose(
        apply_affine(invert_affine(left.crop_to_frame), apply_affine(left.crop_to_frame, [[u, v]])),
        [[u, v]],
    )


def test_removal_grow_widens_m_r_by_the_radius_outside_the_target_only():
    frame = Frame(np.zeros((240, 320, 3), np.uint8), 0, 0.0)
    masks = _two_discs()
    plain = build_crop_inputs(frame, masks, Side.RIGHT, False, CropOptions(size_px=128))
    grown = build_crop_inputs(frame, masks, Side.RIGHT, False,
                              CropOptions(size_px=128, removal_grow_px=4))
    assert (plain.m_r <= grown.m_r).all() and grown.m_r.sum() > plain.m_r.sum()
    assert not (grown.m_r & grown.target_amodal).any()
    np.testing.assert_array_equal(grown.m_d, plain.m_d)
    np.testing.assert_array_equal(grown.other_visible, plain.other_visible)
    # every added pixel lies within 4 crop pixels of the other hand's visible mask, and the
    # far edge of that mask moved out by about 4 pixels (the left disc's right end)
    dist = cv2.distanceTransform((~plain.other_visible).view(np.uint8), cv2.DIST_L2, 5)
    assert dist[grown.m_r & ~plain.m_r].max() <= 4.5
    cols = lambda m: np.nonzero(m.any(axis=0))[0].max()
    assert 3 <= cols(grown.m_r) - cols(plain.m_r) <= 5


def test_baseline_inpainting_changes_only_the_removal_region():
    rng = np.random.default_rng(0)
    image = np.full((240, 320, 3), 90, np.uint8)
    masks = _two_discs()
    image[masks.left_amodal] = (230, 180, 150)  # a bright distractor
    image += rng.integers(0, 5, image.shape, dtype=np.uint8)
    frame = Frame(image, 0, 0.0)
    ci = build_crop_inputs(frame, masks, Side.RIGHT, False, CropOptions(size_px=128))
    restorer = InpaintRestorerBaseline()
    out = restorer.restore(ci)
    changed = np.any(out != ci.image_rgb, axis=2)
    grown = cv2.dilate(ci.m_r.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    assert changed.any() and not (changed & ~grown).any()
    assert not (changed & ci.target_amodal).any()  # M_D is left alone by the baseline
    # the distractor is gone: the removal region now looks like the grey background
    assert np.abs(out[ci.m_r].astype(int) - 92).mean() < 15


def test_hdrm_stage_returns_crops_for_present_hands_only():
    frame = Frame(np.zeros((240, 320, 3), np.uint8), 0, 0.0)
    masks = _two_discs()
    only_right = HandMasks(masks.right_amodal, masks.right_amodal, ~masks.right_amodal & False,
                           ~masks.right_amodal & False)
    crops = Hdrm(InpaintRestorerBaseline()).process(frame, only_right)
    assert crops.right is not None and crops.left is None
    assert crops.right.size_px == 256 and not crops.right.m_r.any()
