"""The live pipeline's speed-ups keep the outputs: pipelining, parallel hands, HASM at reduced
resolution, detector scheduling, reduced-resolution inpainting, one SHPE pass with a prior."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from hdr_live.joints import Side
from hdr_live.build import build_pipeline
from hdr_live.config import (App, BaselineHasmConfig, HasmKind, HdrmKind, InputKind,
                             PipelineConfig, default_config)
from hdr_live.runtime import Runtime, RuntimeOptions
from hdr_live.stages.hasm.baseline import DetectSchedule, LandmarkHasmBaseline
from hdr_live.stages.hdrm.masks import CropOptions, build_crop_inputs
from hdr_live.stages.hdrm.inpaint import InpaintRestorerBaseline
from hdr_live.stages.shpe.mediapipe_landmark import MediaPipeLandmarkShpe, ShpeOptions
from hdr_live.types import Frame, HandMasks


LIVE = default_config(App.LIVE, InputKind.VIDEO)


def _live(**changes) -> PipelineConfig:
    """The live app's CPU configuration with ``changes``."""
    return dataclasses.replace(LIVE, **changes)


def _frames(clip_frames, n: int, start: int = 30) -> list[Frame]:
    return [Frame(f, i, i / 30.0) for i, f in enumerate(clip_frames[start : start + n])]


def _same_poses(a, b) -> None:
    for ra, rb in zip(a, b):
        assert {s for s, _ in ra.poses.items()} == {s for s, _ in rb.poses.items()}
        for side, pose in ra.poses.items():
            other = rb.poses.get(side)
            np.testing.assert_array_equal(pose.joints_px, other.joints_px)
            np.testing.assert_array_equal(pose.joints_rel_m, other.joints_rel_m)
            np.testing.assert_array_equal(pose.visible, other.visible)
        for side, crop in ra.crops.items():
            np.testing.assert_array_equal(crop.rgb, rb.crops.get(side).rgb)


def test_pipelined_parallel_run_equals_the_sequential_one(clip_frames):
    frames = _frames(clip_frames, 12)
    sequential = build_pipeline(_live(parallel_hands=False))
    try:
        expected = [sequential.process(f) for f in frames]
    finally:
        sequential.close()
    staged = build_pipeline(_live(parallel_hands=True))
    try:
        with Runtime(frames, staged.finish, RuntimeOptions.file(), prepare=staged.prepare) as rt:
            got = [r.result for r in rt.results()]
    finally:
        staged.close()
    assert [r.frame.index for r in got] == list(range(12))
    assert sum(len(r.poses) == 2 for r in got) >= 10
    _same_poses(expected, got)


def test_detector_at_reduced_resolution_finds_the_same_joints(clip_frames):
    full = LandmarkHasmBaseline()
    small = LandmarkHasmBaseline(detect_max_side_px=640)
    try:
        errors = []
        for f in _frames(clip_frames, 8):
            a = {d.side: d.joints_px for d in full.detect(f).detections}
            b = {d.side: d.joints_px for d in small.detect(f).detections}
            for side in set(a) & set(b):
                errors.append(np.linalg.norm(a[side] - b[side], axis=1).mean())
    finally:
        full.close()
        small.close()
    assert len(errors) >= 12
    assert np.median(errors) < 3.0  # pixels of the 1280×720 frame


def test_detector_skips_still_frames_and_runs_on_motion(clip_frames):
    hasm = LandmarkHasmBaseline(
        detect_max_side_px=640, schedule=DetectSchedule(every=3, max_motion=10.0)
    )
    try:
        still = [Frame(clip_frames[44], i, i / 30.0) for i in range(12)]
        warm = 0  # MediaPipe starting from scratch needs a few frames to hold both hands
        while len(hasm.detect(still[warm]).detections) < 2:
            warm += 1
            assert warm < 5
        ran = [hasm.detect(f).ran for f in still[warm + 1 : warm + 7]]
        assert ran == [False, False, True, False, False, True]
        # the hands move a lot between frames 5 and 40: no skipping across that jump
        hasm.reset()
        jumps = [Frame(clip_frames[i], k, k / 30.0) for k, i in enumerate((5, 40, 5, 40))]
        assert all(hasm.detect(f).ran for f in jumps)
    finally:
        hasm.close()


def test_skipped_frames_carry_both_hands_over(clip_frames):
    baseline = dataclasses.replace(LIVE.hasm.baseline, detect_every=3, detect_max_motion=1e9)
    pipe = build_pipeline(_live(hasm=dataclasses.replace(LIVE.hasm, backend=HasmKind.BASELINE,
                                                         baseline=baseline)))
    try:
        results = [pipe.process(f) for f in _frames(clip_frames, 9)][3:]
    finally:
        pipe.close()
    assert all(len(r.poses) == 2 for r in results)
    for prev, cur in zip(results, results[1:]):
        for side in Side:  # tracked, not jumping: within a fraction of the hand's size
            moved = np.linalg.norm(cur.poses.get(side).joints_px - prev.poses.get(side).joints_px, axis=1)
            assert np.median(moved) < 40.0


def _disc(shape, center, radius) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    cv2.circle(m, center, radius, 1, -1)
    return m.astype(bool)


def test_half_resolution_inpainting_changes_only_the_removal_region():
    rng = np.random.default_rng(0)
    shape = (240, 320)
    ra, la = _disc(shape, (130, 120), 50), _disc(shape, (190, 120), 45)
    masks = HandMasks(ra, ra & ~la, la, la.copy())
    image = np.full(shape + (3,), 90, np.uint8)
    image[la] = (230, 180, 150)
    image += rng.integers(0, 5, image.shape, dtype=np.uint8)
    ci = build_crop_inputs(Frame(image, 0, 0.0), masks, Side.RIGHT, False, CropOptions())
    out = InpaintRestorerBaseline(work_scale=0.5).restore(ci)
    changed = np.any(out != ci.image_rgb, axis=2)
    grown = cv2.dilate(ci.m_r.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    assert changed.any() and not (changed & ~grown).any()
    assert not (changed & ci.target_amodal).any()
    assert np.abs(out[ci.m_r].astype(int) - 92).mean() < 15
    with pytest.raises(ValueError):
        InpaintRestorerBaseline(work_scale=0.0)


def test_one_shpe_pass_with_a_prior_and_two_without(clip_frames):
    pipe = build_pipeline(_live(parallel_hands=False))
    try:
        r = [pipe.process(f) for f in _frames(clip_frames, 4)][-1]
    finally:
        pipe.close()
    crop = r.crops.right
    shpe = MediaPipeLandmarkShpe(ShpeOptions(refine_with_prior=False))
    calls = []
    original = shpe.run_roi
    shpe.run_roi = lambda image, roi: calls.append(roi) or original(image, roi)  # type: ignore
    prior = np.linalg.solve(  # frame → crop pixels of the pose
        np.vstack([crop.crop_to_frame, [0, 0, 1]]),
        np.c_[r.poses.right.joints_px, np.ones(21)].T,
    ).T[:, :2]
    with_prior = shpe.estimate(crop, prior)
    assert len(calls) == 1 and with_prior.presence > 0.9
    shpe.estimate(crop, None)
    assert len(calls) == 3  # whole-crop first pass, then the refinement


def test_config_is_frozen_and_every_app_runs_the_learned_pipeline_on_the_cpu():
    batch = default_config(App.BATCH, InputKind.VIDEO)
    assert batch.hasm.baseline == BaselineHasmConfig() and batch.hasm.baseline.detect_every == 1
    assert batch.pipelined and batch.parallel_hands and not batch.shpe.refine_with_prior
    assert batch.hasm.tracker.budget is not None and batch.hdrm.inpaint_scale == 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        batch.pipelined = False  # type: ignore[misc]
    # the live app differs only in the baseline detector it would use with --hasm baseline,
    # its inpainting scale and its cheaper model fit
    assert dataclasses.replace(LIVE, hasm=batch.hasm, hdrm=batch.hdrm,
                               threed=batch.threed) == batch
    assert LIVE.hdrm.inpaint_scale == 0.5
    assert LIVE.threed.fit_iterations < batch.threed.fit_iterations
    assert batch.threed.fit_silhouettes and not LIVE.threed.fit_silhouettes


def test_every_app_and_device_defaults_to_the_gated_hdrm():
    from hdr_live.accel.device import CPU, Device

    gpu = default_config(App.LIVE, InputKind.LIVE, Device("cuda", 0, "test", "test"))
    batch = default_config(App.BATCH, InputKind.VIDEO, CPU)
    for config in (LIVE, gpu, batch):
        assert config.hasm.backend is HasmKind.LEARNED and config.hdrm.backend is HdrmKind.GATED
        assert config.hdrm.prior_band > 0
    pipe = build_pipeline(LIVE.with_backends(HasmKind.LEARNED, HdrmKind.LEARNED))
    try:
        assert "learned-segformer" in pipe.description and "learned-hdrnet" in pipe.description
    finally:
        pipe.close()


@pytest.mark.parametrize("kind, name", [(HdrmKind.OFF, "off"),
                                        (HdrmKind.BASELINE, "baseline-inpaint"),
                                        (HdrmKind.GATED, "gated-baseline-inpaint")])
def test_each_cpu_restorer_is_built_by_name(kind, name):
    pipe = build_pipeline(PipelineConfig(threed=None).with_backends(None, kind))
    try:
        assert f"HDRM {name}," in pipe.description
    finally:
        pipe.close()


def test_the_detnet_shpe_is_built_behind_the_shpe_protocol(clip_frames):
    pytest.importorskip("torch")
    from hdr_live.config import ShpeConfig, ShpeKind

    config = PipelineConfig(shpe=ShpeConfig(backend=ShpeKind.DETNET))
    pipe = build_pipeline(config)
    try:
        assert "SHPE detnet-synthetic" in pipe.description
        results = [pipe.process(f) for f in _frames(clip_frames, 3)]
    finally:
        pipe.close()
    poses = [p for r in results for _, p in r.poses.items()]
    assert poses and all(p.joints_px.shape == (21, 2) and p.score == 1.0 for p in poses)
