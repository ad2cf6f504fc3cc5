"""Ground-truth invariants of the synthetic samples (HDR paper §3.2-3.3, eq. 2)."""

from __future__ import annotations

import cv2
import numpy as np

from hdr_live.joints import Side
from training.synth.sample import SampleSource


def _all(render_samples, syn_samples, sharp_with_hits):
    return list(render_samples) + list(syn_samples) + [s for s, _ in sharp_with_hits]


def test_sources_are_recorded(render_samples, syn_samples):
    assert {s.source for s in render_samples} == {SampleSource.RENDER}
    assert {s.source for s in syn_samples} == {SampleSource.SYN}


def test_visible_is_inside_amodal(render_samples, syn_samples, sharp_with_hits):
    for s in _all(render_samples, syn_samples, sharp_with_hits):
        for side in Side:
            t = s.hand(side)
            assert not np.any(t.visible & ~t.amodal)
            assert t.visible.any(), "every sample shows some of each hand"


def test_visible_masks_do_not_overlap(render_samples, syn_samples, sharp_with_hits):
    for s in _all(render_samples, syn_samples, sharp_with_hits):
        assert not np.any(s.right.visible & s.left.visible)


def test_some_samples_have_occlusion(render_samples, syn_samples, sharp_with_hits):
    hidden = [
        int(s.m_d(side).sum()) for s in _all(render_samples, syn_samples, sharp_with_hits) for side in Side
    ]
    assert sum(h > 50 for h in hidden) >= 3


def test_md_mr_match_ray_hits(sharp_with_hits):
    """M_D/M_R from the masks equal where the other hand really covers the target (sharp images)."""
    for sample, hits in sharp_with_hits:
        by_side = {Side.RIGHT: hits[0], Side.LEFT: hits[1]}
        for side in Side:
            t_hit, o_hit = by_side[side], by_side[side.other]
            covered = t_hit.hit & o_hit.hit & (o_hit.t < t_hit.t)
            assert np.array_equal(sample.m_d(side), covered)
            assert np.array_equal(sample.m_r(side), o_hit.hit & ~t_hit.hit)


def test_md_contains_true_cover_when_blurred(render_samples):
    """With blur the masks grow by the blur halo; the hidden region must still be inside M_D ∪ visible_o."""
    for s in render_samples:
        for side in Side:
            assert not np.any(s.m_d(side) & ~s.hand(side).amodal)
            assert not np.any(s.m_r(side) & s.hand(side).amodal)


def test_target_equals_input_outside_changed_regions(render_samples, syn_samples, sharp_with_hits):
    for s in _all(render_samples, syn_samples, sharp_with_hits):
        for side in Side:
            keep = ~(s.m_d(side) | s.m_r(side))
            assert np.array_equal(s.hand(side).target[keep], s.image[keep])


def test_target_differs_inside_removed_region(sharp_with_hits):
    """Where the other hand is removed, the target shows something else (background)."""
    changed = 0
    for s, _ in sharp_with_hits:
        for side in Side:
            mr = s.m_r(side)
            if mr.sum() > 100:
                diff = np.abs(s.hand(side).target.astype(int) - s.image.astype(int)).sum(axis=2)
                changed += int(np.mean(diff[mr] > 10) > 0.5)
    assert changed >= 1


def test_projected_joints_fall_in_amodal_masks(render_samples, sharp_with_hits, syn_samples):
    """Each joint that projects into the image lies on (within 1 px of) its own hand's amodal mask."""
    for s in _all(render_samples, syn_samples, sharp_with_hits):
        for side in Side:
            t = s.hand(side)
            grown = cv2.dilate(t.amodal.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
            ij = np.round(t.joints_px).astype(int)
            h, w = grown.shape
            inside = (ij[:, 0] >= 0) & (ij[:, 0] < w) & (ij[:, 1] >= 0) & (ij[:, 1] < h)
            assert grown[ij[inside, 1], ij[inside, 0]].all()


def test_joints_project_with_the_camera(render_samples):
    for s in render_samples:
        for side in Side:
            t = s.hand(side)
            np.testing.assert_allclose(s.camera.project(t.joints_cam_m), t.joints_px, atol=1e-6)
            assert t.joints_3d_exact


def test_syn_moved_joints_keep_bone_lengths(syn_samples):
    for s in syn_samples:
        for side in Side:
            j = s.hand(side).joints_cam_m
            lengths = np.linalg.norm(j[1:] - j[0], axis=1)
            assert 0.03 < lengths.max() < 0.3
