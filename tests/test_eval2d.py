import json
import math
import warnings

import numpy as np
import pytest

from support import CLASPED, need_real
from hdr_live.eval2d import epe_px, evaluate_hands, load_ground_truth, mpjpe_mm
from hdr_live.io.sources import InputError
from hdr_live.joints import Side
from hdr_live.types import HandPose, Hands


def _pose(side, px, rel=None):
    rel = np.zeros((21, 3)) if rel is None else rel
    return HandPose(side, np.asarray(px, float), rel, np.ones(21, bool), 0.9)


def test_epe_ignores_unannotated_joints():
    gt = np.zeros((21, 2))
    gt[5:] = np.nan
    pred = np.full((21, 2), 3.0)
    pred[5:] = 1000.0
    assert epe_px(pred, gt) == pytest.approx(np.hypot(3, 3))


def test_epe_over_annotated_joints_only():
    gt = np.full((21, 2), np.nan)
    gt[[2, 5, 9]] = [[10.0, 10.0], [20.0, 20.0], [30.0, 30.0]]
    gt[12] = [5.0, np.nan]  # half a joint is no ground truth
    pred = np.zeros((21, 2))
    pred[[2, 5, 9]] = gt[[2, 5, 9]] + [[3.0, 4.0], [0.0, 0.0], [6.0, 8.0]]
    pred[0] = [1e6, 1e6]  # a joint without ground truth does not count
    assert epe_px(pred, gt) == pytest.approx(5.0)
    assert epe_px(pred.tolist(), gt.tolist()) == pytest.approx(5.0)  # array-likes too
    pred[5] = np.nan  # a prediction missing at an annotated joint is not skipped
    assert math.isnan(epe_px(pred, gt))


def test_epe_nan_without_annotation_and_shape_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(epe_px(np.zeros((21, 2)), np.full((21, 2), np.nan)))
    with pytest.raises(ValueError, match=r"pred_px must have shape \(21, 2\)"):
        epe_px(np.zeros((14, 2)), np.zeros((21, 2)))
    with pytest.raises(ValueError, match="gt_px"):
        epe_px(np.zeros((21, 2)), np.zeros((21, 3)))


def test_mpjpe_is_wrist_aligned_in_mm():
    gt = np.arange(63, dtype=float).reshape(21, 3) + 500.0
    pred = (gt - gt[0]) / 1000.0
    assert mpjpe_mm(pred, gt) == pytest.approx(0.0, abs=1e-9)
    assert mpjpe_mm(pred + np.array([0.01, 0, 0]), gt) == pytest.approx(10.0 * 20 / 20)


def _gt(tmp_path, left, right):
    (tmp_path / "x.jpg").write_bytes(b"")
    data = {"image": "x.jpg", "left": left, "right": right}
    path = tmp_path / "x.gt.json"
    path.write_text(json.dumps(data))
    return load_ground_truth(path)


def test_swap_found_and_missing(tmp_path):
    a = np.zeros((21, 2)) + [100, 100]
    b = np.zeros((21, 2)) + [300, 100]
    gt = _gt(tmp_path, a.tolist(), b.tolist())
    good = evaluate_hands(Hands(left=_pose(Side.LEFT, a), right=_pose(Side.RIGHT, b)), gt)
    assert all(e.found and not e.swapped and e.epe_px == 0 for e in good)
    swapped = evaluate_hands(Hands(left=_pose(Side.LEFT, b), right=_pose(Side.RIGHT, a)), gt)
    assert all(e.swapped for e in swapped)
    only_one = evaluate_hands(Hands(left=_pose(Side.LEFT, b + 2)), gt)
    by_side = {e.side: e for e in only_one}
    assert by_side[Side.RIGHT].swapped and not by_side[Side.RIGHT].found
    assert np.isnan(by_side[Side.RIGHT].epe_px)


def test_null_hand_and_null_joints(tmp_path):
    right = [[1.0, 2.0]] * 20 + [None]
    gt = _gt(tmp_path, [None] * 21, right)
    assert gt.joints_px.left is None
    assert np.isnan(gt.joints_px.right[20]).all() and gt.joints_px.right[0].tolist() == [1, 2]


def test_bad_ground_truth_files(tmp_path):
    bad = tmp_path / "y.gt.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="y.gt.json"):
        load_ground_truth(bad)
    lonely = tmp_path / "z.gt.json"
    lonely.write_text(json.dumps({"left": None, "right": None}))
    with pytest.raises(InputError, match="no image"):
        load_ground_truth(lonely)


def test_real_ground_truth_loads():
    gt = load_ground_truth(need_real(CLASPED.with_suffix(".gt.json")))
    assert gt.image_path.is_file()
    assert gt.joints_px.left.shape == (21, 2) and gt.joints_cam_mm.right.shape == (21, 3)
