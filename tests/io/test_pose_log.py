"""The pose log carries the 3D stage's outputs: camera-frame joints, the lifted pose, the
inferred flag and the focal length; logs without them still read back."""

from __future__ import annotations

import json

import numpy as np

from hdr_live.camera import Intrinsics
from hdr_live.export.series import PoseSeries
from hdr_live.io.pose_log import PoseLogWriter, pose_record, read_pose_log
from hdr_live.joints import Side
from hdr_live.types import Frame, FrameResult, HandMasks, HandPose, Hands, StageTimings


def _result(cam: bool, inferred: bool = False, focal: float | None = None) -> FrameResult:
    rng = np.random.default_rng(3)
    joints_cam = rng.normal([0.05, 0.0, 0.5], 0.03, (21, 3)) if cam else None
    pose = HandPose(Side.LEFT, rng.uniform(0, 100, (21, 2)), rng.normal(0, 0.03, (21, 3)),
                    np.zeros(21, bool), 0.4, joints_cam_m=joints_cam,
                    lifted_rel_m=None if joints_cam is None else joints_cam - joints_cam[0],
                    inferred=inferred)
    return FrameResult(Frame(np.zeros((8, 8, 3), np.uint8), 5, 0.25), HandMasks.empty(8, 8),
                       Hands(), Hands(left=pose), StageTimings(),
                       None if focal is None else Intrinsics(focal, 3.5, 4.0))


def test_3d_fields_are_logged_and_read_back(tmp_path):
    result = _result(cam=True, inferred=True, focal=1234.5)
    path = tmp_path / "poses.jsonl"
    with PoseLogWriter(path) as log:
        log.write(result)
    (record,) = list(read_pose_log(path))
    left = record["hands"]["left"]
    assert record["focal_px"] == 1234.5 and record["principal_px"] == [3.5, 4.0]
    assert left["inferred"] is True
    np.testing.assert_allclose(left["joints_cam_m"], result.poses.left.joints_cam_m, atol=1e-5)
    np.testing.assert_allclose(left["lifted_rel_m"], result.poses.left.lifted_rel_m, atol=1e-5)
    series = PoseSeries.from_pose_log(path)
    assert series.inferred[0].tolist() == [False, True]  # right, left
    np.testing.assert_allclose(series.joints_cam_m[0, 1], result.poses.left.joints_cam_m,
                               atol=1e-5)
    assert np.isnan(series.joints_cam_m[0, 0]).all()


def test_without_a_3d_stage_no_3d_keys():
    record = pose_record(_result(cam=False))
    assert "focal_px" not in record and "principal_px" not in record
    left = record["hands"]["left"]
    assert left["inferred"] is False
    assert "joints_cam_m" not in left and "lifted_rel_m" not in left
    json.dumps(record, allow_nan=False)
    series = PoseSeries.from_records([record])
    assert np.isnan(series.joints_cam_m).all() and not series.inferred.any()
