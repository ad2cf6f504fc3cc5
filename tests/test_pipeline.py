"""The whole pipeline on real frames."""

import numpy as np
import pytest

from support import REAL, need_real
from hdr_live.eval2d import epe_px
from hdr_live.io.sources import read_image
from hdr_live.joints import Side, mirror_joints_px
from hdr_live.build import build_hasm, build_pipeline, build_restorer
from hdr_live.config import InputKind, Mode, PipelineConfig, ShpeConfig
from hdr_live.pipeline import HdrPipeline, joint_visibility
from hdr_live.stages.hdrm.stage import Hdrm
from hdr_live.stages.shpe.mediapipe_landmark import MediaPipeLandmarkShpe
from hdr_live.types import Frame, HasmOutput


STILLS = PipelineConfig(input_kind=InputKind.IMAGES)


@pytest.fixture(scope="module")
def hdr_results(clip_frames):
    pipe = build_pipeline(PipelineConfig())
    try:
        return [pipe.process(Frame(f, i, i / 30.0)) for i, f in enumerate(clip_frames[:42])]
    finally:
        pipe.close()


def test_hdr_pipeline_finds_both_hands_on_real_clip(hdr_results):
    two = sum(len(r.poses) == 2 for r in hdr_results)
    assert two >= 0.9 * len(hdr_results)
    r = hdr_results[40]
    right, left = r.poses.right, r.poses.left
    # un-mirrored footage: the person's right hand is on the image's left
    assert right.joints_px[:, 0].mean() < left.joints_px[:, 0].mean()
    for pose in (right, left):
        assert np.all((pose.joints_px >= 0) & (pose.joints_px < [1280, 720]))
        np.testing.assert_allclose(pose.joints_rel_m[0], 0.0)
        length = np.linalg.norm(pose.joints_rel_m[12])  # wrist to middle fingertip
        assert 0.10 < length < 0.25
        assert pose.visible.mean() > 0.5
        np.testing.assert_array_equal(
            pose.visible, joint_visibility(pose.joints_px, r.masks.visible(pose.side))
        )
    # crops: the left hand's crop is mirrored, the right hand's is not
    assert r.crops.left.mirrored and not r.crops.right.mirrored
    assert r.timings.hasm_ms > 0 and r.timings.shpe_ms > 0


def test_hdr_agrees_with_mediapipe_on_easy_frames(clip_frames, hdr_results):
    pipe = build_pipeline(PipelineConfig(mode=Mode.MEDIAPIPE))
    try:
        ref = [pipe.process(Frame(f, i, i / 30.0)) for i, f in enumerate(clip_frames[:42])]
    finally:
        pipe.close()
    errors = []
    for a, b in zip(hdr_results[30:], ref[30:]):
        for side in Side:
            if a.poses.get(side) is not None and b.poses.get(side) is not None:
                errors.append(epe_px(a.poses.get(side).joints_px, b.poses.get(side).joints_px))
    assert len(errors) >= 15
    assert np.median(errors) < 15.0


def test_mirrored_input_gives_the_same_hands():
    frame = read_image(need_real(REAL / "interwild_demo_eating_two_hands_holding.jpg"))
    plain = build_pipeline(STILLS)
    mirrored = build_pipeline(PipelineConfig(input_kind=InputKind.IMAGES, mirrored=True))
    try:
        a = plain.process(Frame(frame, 0, 0.0))
        b = mirrored.process(Frame(np.ascontiguousarray(frame[:, ::-1]), 0, 0.0))
    finally:
        plain.close()
        mirrored.close()
    for side in Side:
        pa, pb = a.poses.get(side), b.poses.get(side)
        assert pa is not None and pb is not None
        assert epe_px(pa.joints_px, mirror_joints_px(pb.joints_px, frame.shape[1])) < 10.0


def test_pipeline_on_real_image_with_two_hands():
    path = need_real(REAL / "interwild_demo_eating_two_hands_holding.jpg")
    pipe = build_pipeline(STILLS)
    try:
        result = pipe.process(Frame(read_image(path), 0, 0.0))
    finally:
        pipe.close()
    assert len(result.poses) == 2
    assert {s for s, _ in result.poses.items()} == {Side.LEFT, Side.RIGHT}
    m = result.masks
    for side in Side:
        assert m.amodal(side).any()
        assert not (m.visible(side) & ~m.amodal(side)).any()
    assert not (m.left_visible & m.right_visible).any()


def test_no_hands_gives_an_empty_result():
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 40, (240, 320, 3), dtype=np.uint8)
    for mode in Mode:
        pipe = build_pipeline(PipelineConfig(mode=mode, input_kind=InputKind.IMAGES))
        try:
            result = pipe.process(Frame(noise, 0, 0.0))
        finally:
            pipe.close()
        assert len(result.poses) == 0 and not result.masks.right_amodal.any()


class _ForgetLeftPrior:
    """A HASM that keeps the learned HASM's masks but reports no prior for the left hand, as
    when the network finds a hand the tracker does not know."""

    name = "learned, left prior hidden"

    def __init__(self, hasm) -> None:
        self.hasm = hasm

    def segment(self, frame, previous):
        out = self.hasm.segment(frame, previous)
        return HasmOutput(out.masks, out.prior_joints_px.with_side(Side.LEFT, None))

    def reset(self) -> None:
        self.hasm.reset()

    def close(self) -> None:
        self.hasm.close()


@pytest.mark.parametrize("needs_prior", [True, False])
def test_a_hand_without_prior_gets_no_pose(needs_prior):
    frame = Frame(read_image(need_real(REAL / "interwild_demo_eating_two_hands_holding.jpg")),
                  0, 0.0)
    hasm = build_hasm(STILLS)
    pipe = HdrPipeline(_ForgetLeftPrior(hasm), Hdrm(build_restorer(STILLS)),
                       MediaPipeLandmarkShpe(), ShpeConfig(pose_needs_prior=needs_prior),
                       tracks=False)
    try:
        result = pipe.process(frame)
    finally:
        pipe.close()
    assert result.poses.right is not None
    assert (result.crops.left is None) == needs_prior
    assert (result.poses.left is None) == needs_prior
    # HASM's left mask (the network found a hand there) is shown only for a posed left hand
    assert result.masks.left_amodal.any() != needs_prior


def test_default_pipeline_works_on_hasm_grid_and_detects_on_a_budget(clip_frames):
    """Tracking mode and crop coordinates on a 1920×1080 upscale of the real clip: both hands
    are found, the full-frame detector runs on a few frames only, and no result's masks were
    rasterised at frame size (only drawing does that)."""
    import cv2

    pipe = build_pipeline(PipelineConfig())
    detector_runs = 0
    try:
        results = []
        for i, rgb in enumerate(clip_frames[:30]):
            big = cv2.resize(rgb, (1920, 1080), interpolation=cv2.INTER_LINEAR)
            prepared = pipe.prepare(Frame(big, i, i / 30.0))
            detector_runs += prepared.detected.ran
            results.append(pipe.finish(prepared))
    finally:
        pipe.close()
    assert sum(len(r.poses) == 2 for r in results) >= 27
    assert detector_runs <= 10  # warm-up, the schedule and a weak hand's few frames
    assert all(r.masks.is_scored and "_frame_masks" not in r.masks.__dict__ for r in results)
    r = results[-1]
    assert r.masks.right_amodal.shape == (1080, 1920)  # drawing rasterises on demand
    for pose in r.poses.right, r.poses.left:
        np.testing.assert_array_equal(
            pose.visible, joint_visibility(pose.joints_px, r.masks.visible(pose.side)))


def _two_box_hands():
    """Two hand-shaped joint sets and their box masks on a 240 × 400 frame (right, left,
    masks)."""
    from support import hand_box_joints
    from hdr_live.hand_masks import HandMasks

    right, left = hand_box_joints(100, 120), hand_box_joints(300, 120)
    ra = np.zeros((240, 400), bool)
    la = ra.copy()
    ra[60:180, 50:150] = True
    la[60:180, 250:350] = True
    return right, left, HandMasks(ra, ra.copy(), la, la.copy())


def test_a_coasting_hand_needs_a_confident_pose():
    """A side whose prior coasts (the hand was lost) keeps its pose only at
    ShpeConfig.min_coasting_score; a tracked side at min_pose_score."""
    from hdr_live.stages.hdrm.inpaint import InpaintRestorerBaseline
    from hdr_live.stages.shpe.interface import CropPose
    from hdr_live.types import Hands

    frame = Frame(np.full((240, 400, 3), 80, np.uint8), 0, 0.0)
    right, left, masks = _two_box_hands()

    class FixedHasm:
        name = "fixed"

        def __init__(self, coasting):
            self.coasting = coasting

        def segment(self, frame, previous):
            return HasmOutput(masks, Hands(right=right, left=left), self.coasting)

        def reset(self):
            pass

        def close(self):
            pass

    class FixedShpe:
        name = "fixed"

        def estimate(self, crop, prior):
            return CropPose(np.full((21, 2), 128.0), np.zeros((21, 3)), 0.65)

    for coasting, sides in ((frozenset(), {Side.RIGHT, Side.LEFT}),
                            (frozenset({Side.LEFT}), {Side.RIGHT})):
        pipe = HdrPipeline(FixedHasm(coasting), Hdrm(InpaintRestorerBaseline()), FixedShpe(),
                           ShpeConfig(min_pose_score=0.5, min_coasting_score=0.8))
        assert {s for s, _ in pipe.process(frame).poses.items()} == sides


def test_inferred_hands_are_outputs_not_hasm_priors():
    """With the 3D stage, a tracked hand that SHPE stops finding is output as inferred (with
    camera-frame joints), while HASM's prior holds only the hands a network saw."""
    from hdr_live.fitting.fitter import HandFitter
    from hdr_live.fitting.options import FitOptions
    from hdr_live.stages.hdrm.inpaint import InpaintRestorerBaseline
    from hdr_live.stages.shpe.interface import CropPose, frame_to_crop_points
    from hdr_live.threed.stage import ThreeD
    from hdr_live.types import Hands

    right, left, masks = _two_box_hands()
    priors_seen = []

    class FixedHasm:
        name = "fixed"

        def segment(self, frame, previous):
            priors_seen.append({s for s, _ in previous.items()})
            return HasmOutput(masks, Hands(right=right, left=left))

        def reset(self):
            pass

        def close(self):
            pass

    class LosesLeft:
        """Both hands on frames 0-2; from frame 3 the left hand scores too low."""
        name = "fixed"
        frame = 0

        def estimate(self, crop, prior):
            joints = left if crop.side is Side.LEFT else right
            world = np.zeros((21, 3))
            world[:, :2] = (joints - joints[0]) * 0.0015
            lost = crop.side is Side.LEFT and LosesLeft.frame >= 3
            return CropPose(frame_to_crop_points(crop, joints), world, 0.1 if lost else 0.9)

    threed = ThreeD(None, HandFitter(FitOptions()), focal_px=400.0)
    pipe = HdrPipeline(FixedHasm(), Hdrm(InpaintRestorerBaseline()), LosesLeft(), threed=threed)
    outputs = []
    for k in range(6):
        LosesLeft.frame = k
        outputs.append(pipe.process(Frame(np.full((240, 400, 3), 80, np.uint8), k, k / 30)))
    assert all(not p.inferred for r in outputs[:3] for _, p in r.poses.items())
    for r in outputs[3:]:
        assert r.poses.left is not None and r.poses.left.inferred
        assert r.poses.right is not None and not r.poses.right.inferred
        assert r.poses.left.joints_cam_m is not None and r.intrinsics.focal_px == 400.0
    # the prior of frame k is frame k-1's seen poses: the left hand leaves it after frame 2
    assert priors_seen[1:4] == [{Side.LEFT, Side.RIGHT}] * 3
    assert priors_seen[4:] == [{Side.RIGHT}] * 2


def test_the_thumb_posed_a_second_time_as_the_other_hand_is_dropped():
    """A real clip of one hand (a thumbs-up coming toward the camera): at frame 97 the left
    track's crop lies on the right hand, and SHPE posed it as a left hand too (the crop,
    mirrored, scores 0.04 as a right hand). Only the right hand is posed there now."""
    from hdr_live.build import build_pipeline
    from hdr_live.io.sources import open_source
    from support import need_dev_real

    clip = need_dev_real("clip_mpsamples_thumbs_up_approach_1280x720_8s.mp4")
    pipe = build_pipeline(PipelineConfig())
    try:
        with open_source(str(clip)) as source:
            for frame in source:
                result = pipe.process(frame)
                if frame.index == 97:
                    break
    finally:
        pipe.close()
    assert result.poses.right is not None and not result.poses.right.inferred
    left = result.poses.left
    assert left is None or left.inferred
