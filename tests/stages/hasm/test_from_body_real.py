"""Hands from the body on real whole-body photos (../shared/dev_real; measuring only): small
hands MediaPipe Hands misses found at the ends of the arms, and a side decided by the arm."""

import pytest

from hdr_live.eval_detect.labels import load_labels
from hdr_live.eval_detect.scoring import PredictedHand, score_frame
from hdr_live.io.sources import read_image
from hdr_live.joints import Side
from hdr_live.stages.body.tracker import BodyTracker
from hdr_live.stages.hasm.from_body import BodyHands
from hdr_live.stages.hasm.mediapipe_hands import MediaPipeHands, MediaPipeHandsOptions
from hdr_live.types import Frame
from support import need_dev_real


@pytest.fixture(scope="module")
def body_hands(shpe):
    return BodyHands(BodyTracker(tracks=False), shpe)


def _labelled(name):
    need_dev_real(name)
    labels = load_labels(need_dev_real(name.rsplit(".", 1)[0] + ".labels.json"))
    return labels, Frame(read_image(labels.media_path), 0, 0.0)


def _score(labels, dets):
    preds = [PredictedHand.from_joints(d.side, d.joints_px) for d in dets]
    return score_frame(labels.frames[0], preds, labels.complete)


@pytest.mark.parametrize("name,found", [("tfjs_pose_yoga_beach.jpg", 2),
                                        ("fourdhumans_pexels_barbell_4016x6016.jpg", 2),
                                        ("hagrid_mp_four_far_person.jpg", 1)])
def test_small_hands_mediapipe_misses_are_found_at_the_arms_ends(body_hands, name, found):
    labels, frame = _labelled(name)
    with MediaPipeHands(MediaPipeHandsOptions(static_image_mode=True)) as hands:
        assert _score(labels, hands.detect(frame)).found == 0
    body = body_hands.body.update(frame)
    dets = [d for side in (Side.LEFT, Side.RIGHT)
            if (d := body_hands.propose(frame, body, side)) is not None]
    score = _score(labels, dets)
    assert (score.found, score.false, score.side_errors) == (found, 0, 0)


def test_the_arm_decides_the_side_mediapipe_gets_wrong(body_hands):
    labels, frame = _labelled("pixie_body_mtc_conductor.png")
    with MediaPipeHands(MediaPipeHandsOptions(static_image_mode=True)) as hands:
        dets = hands.detect(frame)
    assert _score(labels, dets).side_errors >= 1
    body = body_hands.body.update(frame)
    sided = [d for d in dets if body_hands.side_of(body, d.joints_px) is not None]
    assert sided
    for det in sided:
        det_side = body_hands.side_of(body, det.joints_px)
        fixed = PredictedHand.from_joints(det_side, det.joints_px)
        assert score_frame(labels.frames[0], [fixed]).side_errors == 0
