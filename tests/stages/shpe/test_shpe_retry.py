"""MediaPipe landmark SHPE: a weak first pass on a prior is retried on the whole crop, and the
retry is kept only when it is confident (hdr_live/stages/shpe/mediapipe_landmark.py)."""

import numpy as np

from hdr_live.joints import Side
from hdr_live.stages.shpe.interface import CropPose
from hdr_live.stages.shpe.mediapipe_landmark import MediaPipeLandmarkShpe, ShpeOptions
from hdr_live.types import HandCrop

PRIOR = np.random.default_rng(0).uniform(60, 200, (21, 2))


def _crop():
    rgb = np.zeros((256, 256, 3), np.uint8)
    return HandCrop(side=Side.RIGHT, rgb=rgb,
                    input_rgb=rgb, crop_to_frame=np.eye(2, 3), mirrored=False,
                    m_d=np.zeros((256, 256), bool), m_r=np.zeros((256, 256), bool),
                    visible=np.zeros((256, 256), bool))


def _scripted(presences):
    shpe = MediaPipeLandmarkShpe(ShpeOptions(refine_with_prior=False))
    script = list(presences)
    calls = []

    def run_roi(image, roi):
        calls.append(roi)
        return CropPose(np.full((21, 2), 100.0 + len(calls)), np.zeros((21, 3)), script.pop(0))

    shpe.run_roi = run_roi  # type: ignore[method-assign]
    return shpe, calls


def test_a_confident_first_pass_is_not_retried():
    shpe, calls = _scripted([0.9])
    assert shpe.estimate(_crop(), PRIOR).presence == 0.9 and len(calls) == 1


def test_a_weak_pass_is_retried_and_only_a_confident_retry_replaces_it():
    shpe, calls = _scripted([0.3, 0.7, 0.75])  # first, whole crop, refined
    assert shpe.estimate(_crop(), PRIOR).presence == 0.3 and len(calls) == 3
    shpe, calls = _scripted([0.3, 0.85, 0.95])
    assert shpe.estimate(_crop(), PRIOR).presence == 0.95
