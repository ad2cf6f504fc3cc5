"""Footage mode: MediaPipe labelling sides, landmark-seeded GrabCut, copy-paste ground truth."""

from __future__ import annotations

import pathlib

import cv2
import numpy as np
import pytest

from hdr_live.joints import Side
from training.synth.paste import HandCutout, paste_hand, unknown_joints
from training.synth.real_cutout import grabcut_hand_mask, label_frames, person_side
from training.synth.render_mode import RenderOptions
from training.synth.sample import SampleSource
from training.synth.skin import SkinMaterial, linear_to_srgb
from training.synth.syn_mode import render_shot

DEMO = pathlib.Path(__file__).resolve().parents[2] / "assets" / "demo_two_hands.mp4"


def test_person_side_undoes_mediapipe_selfie_labels():
    assert person_side("Left", mirrored_input=False) is Side.RIGHT
    assert person_side("Right", mirrored_input=False) is Side.LEFT
    assert person_side("Right", mirrored_input=True) is Side.RIGHT


@pytest.fixture(scope="module")
def shot():
    rng = np.random.default_rng(4)
    mat = SkinMaterial.from_monk(3.0, 1)
    return render_shot(Side.RIGHT, 11, rng, mat, 0, RenderOptions(size=192, bank_size=2))


def _rgb(shot):
    return (linear_to_srgb(shot.image) * 255 + 0.5).astype(np.uint8)


def test_grabcut_from_true_landmarks_finds_the_hand(shot):
    mask = grabcut_hand_mask(_rgb(shot), shot.joints.px)
    truth = shot.coverage >= 0.5
    precision = (mask & truth).sum() / max(mask.sum(), 1)
    hull = np.zeros(truth.shape, np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(np.round(shot.joints.px).astype(np.int32)), 1)
    hand_part = truth & (hull > 0)
    recall = (mask & hand_part).sum() / max(hand_part.sum(), 1)
    assert precision > 0.85 and recall > 0.75


@pytest.mark.skipif(not DEMO.exists(), reason="assets/demo_two_hands.mp4 not built")
def test_mediapipe_labels_demo_frame_with_person_sides():
    from training.demo_detection import read_frames

    frame = read_frames(DEMO)[0]
    hands = label_frames([frame])
    assert {h.side for h in hands} == {Side.LEFT, Side.RIGHT}
    right = next(h for h in hands if h.side is Side.RIGHT)
    left = next(h for h in hands if h.side is Side.LEFT)
    assert right.joints_px[0, 0] < left.joints_px[0, 0]  # un-mirrored: person's right on image left


def test_paste_hand_ground_truth(shot):
    rgb = _rgb(shot)
    px, cam = unknown_joints()
    base = HandCutout(rgb, shot.coverage >= 0.5, Side.RIGHT, shot.joints.px, shot.joints.cam_m)
    donor = HandCutout(rgb.copy(), shot.coverage >= 0.5, Side.RIGHT, px, cam)  # same side: gets mirrored
    s = paste_hand(base, donor, 128, np.random.default_rng(1), SampleSource.REAL_PASTE, 0, 3)
    assert s.source is SampleSource.REAL_PASTE and s.image.shape == (128, 128, 3)
    assert s.right.target_exact and not s.left.target_exact
    assert np.isnan(s.left.joints_px).all() and np.isfinite(s.right.joints_px).all()
    for side in Side:
        t = s.hand(side)
        assert not np.any(t.visible & ~t.amodal)
        keep = ~(s.m_d(side) | s.m_r(side))
        assert np.array_equal(t.target[keep], s.image[keep])
    assert not np.any(s.right.visible & s.left.visible)
    assert s.left.amodal.sum() > 100 and np.array_equal(s.left.amodal, s.left.visible)  # pasted on top
