"""BlazePose run directly (hdr_live.stages.body.pose) against MediaPipe's own Pose solution on
real whole-body photos of ../shared/dev_real, and the body tracker's budget."""

import numpy as np
import pytest

from hdr_live.io.sources import read_image
from hdr_live.joints import Side
from hdr_live.stages.body.pose import BodyJoint, PoseDetector, PoseLandmarker
from hdr_live.stages.body.tracker import BodyTracker, BodyTrackerOptions
from hdr_live.types import Frame
from support import need_dev_real


@pytest.fixture(scope="module")
def models():
    return PoseDetector(), PoseLandmarker()


@pytest.mark.parametrize("name", ["tfjs_pose_yoga_beach.jpg", "hagrid_mp_four_far_person.jpg"])
def test_wrists_agree_with_mediapipe_pose(models, name):
    import mediapipe as mp

    rgb = read_image(need_dev_real(name))
    frame = Frame(rgb, 0, 0.0)
    detector, landmarker = models
    regions = detector.detect(frame)
    assert regions, "the person detector finds the person"
    pose = landmarker.run(frame, regions[0].roi)
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as reference:
        lms = reference.process(rgb).pose_landmarks.landmark
    ref = np.array([[p.x * frame.width, p.y * frame.height] for p in lms])
    shoulders = np.linalg.norm(ref[11] - ref[12])
    for joint in (BodyJoint.LEFT_WRIST, BodyJoint.RIGHT_WRIST):
        assert np.linalg.norm(pose.landmarks_px[joint] - ref[joint]) < 0.1 * shoulders
    assert pose.presence > 0.9


def test_mirrored_pose_exchanges_the_arms(models):
    frame = Frame(read_image(need_dev_real("tfjs_pose_yoga_beach.jpg")), 0, 0.0)
    detector, landmarker = models
    pose = landmarker.run(frame, detector.detect(frame)[0].roi)
    flipped = pose.mirrored()
    np.testing.assert_allclose(flipped.arm(Side.LEFT).wrist_px, pose.arm(Side.RIGHT).wrist_px)
    np.testing.assert_allclose(flipped.landmarks_px[BodyJoint.NOSE],
                               pose.landmarks_px[BodyJoint.NOSE])


def test_tracker_runs_the_landmarks_on_its_budget_and_extrapolates_between():
    frame = Frame(read_image(need_dev_real("tfjs_pose_yoga_beach.jpg")), 0, 0.0)
    tracker = BodyTracker(tracks=True, options=BodyTrackerOptions(landmark_every=3))
    ran = []
    for _ in range(7):
        assert tracker.update(frame) is not None
        ran.append(tracker.ran)
    assert [r[0] for r in ran] == [True, False, False, True, False, False, True]
    assert [r[1] for r in ran] == [True] + [False] * 6  # detector once, then tracked


def test_no_body_runs_the_detector_on_its_budget_only():
    blank = Frame(np.zeros((240, 320, 3), np.uint8), 0, 0.0)
    tracker = BodyTracker(tracks=True, options=BodyTrackerOptions(detect_every=4))
    detector_runs = []
    for _ in range(9):
        assert tracker.update(blank) is None
        detector_runs.append(tracker.ran[1])
    assert detector_runs == [True, False, False, False, True, False, False, False, True]
