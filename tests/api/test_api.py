"""The public Python API end to end, using only ``import hdr_live`` (as the README's example)."""

from __future__ import annotations

import numpy as np
import pytest

import hdr_live
from support import REAL, REPO, need_real

DEMO = REPO / "assets" / "demo_two_hands.mp4"


def test_the_package_exposes_its_api_and_a_version():
    assert hdr_live.__version__.count(".") == 2
    assert {"HandTracker", "PipelineConfig", "InputKind", "Smoothing"} <= set(hdr_live.__all__)
    with pytest.raises(AttributeError):
        hdr_live.NoSuchThing  # noqa: B018


def test_track_a_clip_gives_typed_results_per_frame():
    config = hdr_live.PipelineConfig(input_kind=hdr_live.InputKind.VIDEO)
    with hdr_live.HandTracker(config) as tracker:
        assert "HASM learned-segformer" in tracker.description
        results = list(tracker.track(DEMO, max_frames=8))
    assert [r.frame.index for r in results] == list(range(8))
    assert all(a.frame.t_capture_s < b.frame.t_capture_s for a, b in zip(results, results[1:]))
    both = [r for r in results if len(r.poses) == 2]
    assert len(both) >= 6
    right = both[0].poses.right
    assert right.side is hdr_live.Side.RIGHT
    assert right.joints_px.shape == (21, 2) and right.joints_rel_m.shape == (21, 3)
    assert right.visible.shape == (21,) and 0.0 <= right.score <= 1.0
    assert both[0].timings.hasm_ms > 0 and both[0].timings.shpe_ms > 0


def test_one_frame_at_a_time_matches_track_and_smoothing_changes_only_the_joints():
    frames = []
    with hdr_live.HandTracker(hdr_live.PipelineConfig()) as tracker:
        tracked = list(tracker.track(DEMO, max_frames=6))
        frames = [r.frame for r in tracked]
        tracker.reset()
        one_by_one = [tracker.process(f.rgb, f.t_capture_s) for f in frames]
    for a, b in zip(tracked, one_by_one):
        for side, pose in a.poses.items():
            np.testing.assert_array_equal(pose.joints_px, b.poses.get(side).joints_px)
    smoothing = hdr_live.Smoothing.ONE_EURO.smoother_options()
    with hdr_live.HandTracker(hdr_live.PipelineConfig(), smoothing=smoothing) as tracker:
        smoothed = list(tracker.track(DEMO, max_frames=6))
    moved = [np.abs(s.poses.right.joints_px - r.poses.right.joints_px).max()
             for s, r in zip(smoothed[1:], tracked[1:]) if s.poses.right and r.poses.right]
    assert moved and max(moved) > 0.01  # the filter ran
    assert [len(s.poses) for s in smoothed] == [len(r.poses) for r in tracked]


def test_a_still_image_and_bad_frames():
    from hdr_live.io.sources import read_image

    image = read_image(need_real(REAL / "interwild_demo_eating_two_hands_holding.jpg"))
    stills = hdr_live.PipelineConfig(input_kind=hdr_live.InputKind.IMAGES)
    with hdr_live.HandTracker(stills) as tracker:
        result = tracker.process(image)
        assert {side for side, _ in result.poses.items()} == {hdr_live.Side.LEFT,
                                                              hdr_live.Side.RIGHT}
        with pytest.raises(ValueError):
            tracker.process(np.zeros((10, 10), np.uint8))
        with pytest.raises(ValueError):
            tracker.process(image, t_s=float("nan"))
