"""The identity restorer, the per-hand gate and the prior band on generated masks."""

import cv2
import numpy as np
import pytest

from hdr_live.joints import Side
from hdr_live.stages.hdrm.gate import GatedRestorer, GateFeatures, GateOptions
from hdr_live.stages.hdrm.identity import IdentityRestorer
from hdr_live.stages.hdrm.inpaint import InpaintRestorerBaseline
from hdr_live.stages.hdrm.masks import CropOptions, build_crop_inputs, skeleton_band
from hdr_live.stages.hdrm.stage import Hdrm
from hdr_live.types import Frame, HandMasks
from support import hand_joints


def _disc(shape, center, radius):
    m = np.zeros(shape, np.uint8)
    cv2.circle(m, center, radius, 1, -1)
    return m.astype(bool)


def _frame(shape=(240, 320)):
    rng = np.random.default_rng(1)
    return Frame(rng.integers(0, 255, (*shape, 3), dtype=np.uint8), 0, 0.0)


def _masks(right_center, left_center, left_in_front=True, shape=(240, 320), hole=None):
    """Right hand a disc of radius 50, left of radius 45; the one in front hides the other.
    ``hole``: a (center, radius) disc cut out of the right hand's visible mask with nothing in
    front of it (masks that disagree with each other)."""
    ra, la = _disc(shape, right_center, 50), _disc(shape, left_center, 45)
    rv, lv = (ra & ~la, la) if left_in_front else (ra, la & ~ra)
    if hole is not None:
        rv = rv & ~_disc(shape, *hole)
    return HandMasks(ra, rv, la, lv)


def test_identity_restorer_returns_the_crop_unchanged():
    inputs = build_crop_inputs(_frame(), _masks((130, 120), (190, 120)), Side.RIGHT, False,
                               CropOptions(size_px=128))
    out = IdentityRestorer().restore(inputs)
    np.testing.assert_array_equal(out, inputs.image_rgb)
    assert out is not inputs.image_rgb  # a copy: the crop is never written through


def test_gate_features_measure_eq2_regions_on_the_crop():
    frame = _frame()
    apart = build_crop_inputs(frame, _masks((100, 120), (240, 120)), Side.RIGHT, False,
                              CropOptions(size_px=128))
    f = GateFeatures.of(apart)
    assert f.deocclusion == 0 and f.occluder_cover == 0
    assert 0 < f.removal < 0.2  # only a rim of the far hand reaches into the crop
    touching = build_crop_inputs(frame, _masks((130, 120), (190, 120)), Side.RIGHT, False,
                                 CropOptions(size_px=128))
    g = GateFeatures.of(touching)
    # the left disc hides a lens of the right one, wholly covered by the left hand
    assert g.occluder_cover == pytest.approx(1.0)
    assert 0.15 < g.deocclusion < 0.35 and g.removal > 0.5
    unexplained = build_crop_inputs(frame, _masks((130, 120), (190, 120), hole=((100, 120), 12)),
                                    Side.RIGHT, False, CropOptions(size_px=128))
    h = GateFeatures.of(unexplained)
    # a hidden part with no hand in front of it: part of M_D unexplained
    assert h.deocclusion > g.deocclusion and h.occluder_cover < 0.9


def test_gate_restores_only_where_its_options_open_it():
    frame = _frame()
    inpaint = InpaintRestorerBaseline()
    gate = GatedRestorer(inpaint, GateOptions(min_removal=0.3, max_deocclusion=0.4,
                                              min_occluder_cover=0.8))
    touching = build_crop_inputs(frame, _masks((130, 120), (190, 120)), Side.RIGHT, False,
                                 CropOptions(size_px=128))
    assert gate.opens(GateFeatures.of(touching))
    np.testing.assert_array_equal(gate.restore(touching), inpaint.restore(touching))
    assert not np.array_equal(gate.restore(touching), touching.image_rgb)
    # the same hands with masks that do not explain the hidden part: left as it is
    unexplained = build_crop_inputs(frame, _masks((130, 120), (190, 120), hole=((100, 120), 14)),
                                    Side.RIGHT, False, CropOptions(size_px=128))
    assert not gate.opens(GateFeatures.of(unexplained))
    np.testing.assert_array_equal(gate.restore(unexplained), unexplained.image_rgb)
    # hands apart: nothing of the other hand worth removing
    apart = build_crop_inputs(frame, _masks((100, 120), (240, 120)), Side.RIGHT, False,
                              CropOptions(size_px=128))
    np.testing.assert_array_equal(gate.restore(apart), apart.image_rgb)
    assert gate.name == "gated-baseline-inpaint"


@pytest.mark.parametrize("options", [dict(min_removal=-0.1), dict(max_deocclusion=1.5),
                                     dict(min_occluder_cover=2.0)])
def test_gate_options_refuse_values_outside_their_range(options):
    with pytest.raises(ValueError, match="GateOptions"):
        GateOptions(**options)


def test_prior_band_keeps_the_target_skeleton_out_of_the_removal_region():
    frame = _frame()
    # the right hand's amodal mask (a disc of radius 50 at (130, 120)) falls short of its
    # fingers, which reach up into the left hand's visible disc (the left hand is in front)
    joints, _ = hand_joints((130.0, 140.0), scale=3.0)
    masks = _masks((130, 120), (130, 20))
    plain = build_crop_inputs(frame, masks, Side.RIGHT, False, CropOptions(size_px=128))
    banded = build_crop_inputs(frame, masks, Side.RIGHT, False,
                               CropOptions(size_px=128, prior_band=0.3), joints)
    assert plain.m_r.any()
    assert banded.m_r.sum() < plain.m_r.sum()
    assert not (banded.m_r & ~plain.m_r).any()  # the band only takes away
    band = skeleton_band(joints @ np.linalg.inv(plain.crop_to_frame[:, :2]).T
                         - np.linalg.inv(plain.crop_to_frame[:, :2]) @ plain.crop_to_frame[:, 2],
                         128, 0.3)
    assert not (banded.m_r & band).any()
    np.testing.assert_array_equal(banded.m_d, plain.m_d)
    # without a prior, or with the band off, M_R is eq. (2) as written
    np.testing.assert_array_equal(
        build_crop_inputs(frame, masks, Side.RIGHT, False,
                          CropOptions(size_px=128, prior_band=0.3)).m_r, plain.m_r)
    stage = Hdrm(IdentityRestorer(), CropOptions(size_px=128, prior_band=0.3))
    np.testing.assert_array_equal(stage.process_side(frame, masks, Side.RIGHT, joints).m_r,
                                  banded.m_r)


def test_skeleton_band_is_empty_for_unknown_joints():
    joints, _ = hand_joints((64.0, 90.0))
    assert skeleton_band(joints, 128, 0.3).any()
    joints[3] = np.nan
    assert not skeleton_band(joints, 128, 0.3).any()
