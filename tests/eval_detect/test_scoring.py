"""Matching predicted hands to labelled boxes: found, false, side errors, two-hand boxes,
partial labels."""

import numpy as np

from hdr_live.eval_detect.labels import LabelledHand
from hdr_live.geometry import box_iou
from hdr_live.eval_detect.scoring import (MatchOptions, Outcome, PredictedHand, Totals,
                                          joints_box, score_frame)
from hdr_live.joints import Side
from support import hand_joints


def _label(side, box, notes=""):
    return LabelledHand(side, tuple(float(v) for v in box), 0, notes)


def _pred_at(side, centre, inferred=False):
    joints, _ = hand_joints(centre)
    return PredictedHand.from_joints(side, joints, inferred)


def test_joints_box_covers_the_joints_with_a_margin():
    joints, _ = hand_joints((100.0, 100.0))
    x0, y0, x1, y1 = joints_box(joints)
    assert x0 < joints[:, 0].min() and x1 > joints[:, 0].max()
    assert y0 < joints[:, 1].min() and y1 > joints[:, 1].max()


def test_box_iou_of_identical_and_disjoint_boxes():
    assert box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert box_iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0


def test_a_hand_on_its_label_is_found_and_one_elsewhere_is_false():
    pred = _pred_at(Side.RIGHT, (100.0, 100.0))
    label = _label(Side.RIGHT, pred.box_xyxy)
    far = _pred_at(Side.LEFT, (400.0, 100.0), inferred=True)
    score = score_frame((label,), [pred, far])
    assert (score.found, score.labelled, score.false, score.false_inferred) == (1, 1, 1, 1)
    assert score.outcomes == (Outcome.FOUND, Outcome.FALSE)


def test_the_other_side_on_a_label_is_a_side_error_and_unknown_sides_never_are():
    pred = _pred_at(Side.LEFT, (100.0, 100.0))
    assert score_frame((_label(Side.RIGHT, pred.box_xyxy),), [pred]).side_errors == 1
    assert score_frame((_label(None, pred.box_xyxy),), [pred]).side_errors == 0


def test_one_label_takes_one_prediction_unless_it_covers_two_hands():
    a, b = _pred_at(Side.RIGHT, (100.0, 100.0)), _pred_at(Side.LEFT, (104.0, 100.0))
    box = a.box_xyxy
    one = score_frame((_label(None, box),), [a, b])
    assert (one.found, one.false) == (1, 1)
    two = score_frame((_label(None, box, "both hands at the lap; one box covers both"),), [a, b])
    assert (two.found, two.false, two.labelled) == (1, 0, 1)


def test_partial_labels_count_unmatched_hands_as_unscored():
    pred = _pred_at(Side.RIGHT, (400.0, 100.0))
    score = score_frame((_label(Side.RIGHT, (0, 0, 30, 30)),), [pred], complete=False)
    assert (score.false, score.unscored) == (0, 1)
    totals = Totals().add(score)
    assert np.isnan(totals.precision)  # nothing scored


def test_a_wrist_near_the_box_matches_when_iou_is_low():
    pred = _pred_at(Side.RIGHT, (100.0, 100.0))
    x0, y0, x1, y1 = pred.box_xyxy
    label = _label(Side.RIGHT, (x0 - 200, y0 - 200, x0 - 40, y1))  # large box left of the hand
    assert box_iou(pred.box_xyxy, label.box_xyxy) < 0.3
    assert score_frame((label,), [pred]).found == 1
    assert score_frame((label,), [pred], options=MatchOptions(wrist_reach=0.0)).found == 0


def test_precision_counts_false_hands():
    pred = _pred_at(Side.RIGHT, (100.0, 100.0))
    t = Totals().add(score_frame((_label(Side.RIGHT, pred.box_xyxy),), [pred]))
    t = t.add(score_frame((), [_pred_at(Side.LEFT, (300.0, 300.0))]))
    assert (t.found, t.false, t.predicted) == (1, 1, 2)
    assert t.precision == 0.5
