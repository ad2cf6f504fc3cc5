"""PoseSeries from pose logs and results; write_export's dispatch and atomic writes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from _export_helpers import ABSENT, FRAMES, synthetic_results
from hdr_live.export import EXPORT_SUFFIXES, HAND_ORDER, JOINT_NAMES, PoseSeries, write_export
from hdr_live.io.pose_log import pose_record, read_pose_log
from hdr_live.joints import Joint, Side


def test_shapes_dtypes_and_hand_order(synthetic_series):
    s = synthetic_series
    assert s.num_frames == FRAMES
    assert s.frame.dtype == np.int64 and s.frame.tolist() == list(range(FRAMES))
    assert s.t_s.dtype == np.float64 and s.t_s.shape == (FRAMES,)
    assert s.joints_px.shape == (FRAMES, 2, 21, 2) and s.joints_px.dtype == np.float64
    assert s.joints_rel_m.shape == (FRAMES, 2, 21, 3) and s.joints_rel_m.dtype == np.float64
    assert s.presence.shape == (FRAMES, 2) and s.presence.dtype == np.bool_
    assert s.visible.shape == (FRAMES, 2, 21) and s.visible.dtype == np.bool_
    assert s.score.shape == (FRAMES, 2) and s.score.dtype == np.float64
    assert HAND_ORDER == (Side.RIGHT, Side.LEFT)
    assert JOINT_NAMES[Joint.THUMB_CMC] == "thumb_cmc" and JOINT_NAMES[20] == "pinky_tip"


def test_absent_hands_are_nan_and_not_present(synthetic_series):
    s = synthetic_series
    for h, side in enumerate(HAND_ORDER):
        absent = np.array([i in ABSENT[side] for i in range(FRAMES)])
        assert (s.presence[:, h] == ~absent).all()
        assert np.isnan(s.joints_px[absent, h]).all() and np.isnan(s.joints_rel_m[absent, h]).all()
        assert np.isnan(s.score[absent, h]).all() and not s.visible[absent, h].any()
        assert np.isfinite(s.joints_rel_m[~absent, h]).all()


def test_values_match_the_log(synthetic_log, synthetic_series):
    for i, record in enumerate(read_pose_log(synthetic_log)):
        assert synthetic_series.t_s[i] == record["t_s"]
        for h, side in enumerate(HAND_ORDER):
            hand = record["hands"][side.value]
            if hand is None:
                continue
            np.testing.assert_array_equal(synthetic_series.joints_px[i, h], hand["joints_px"])
            np.testing.assert_array_equal(synthetic_series.joints_rel_m[i, h], hand["joints_rel_m"])
            assert synthetic_series.visible[i, h].tolist() == hand["visible"]
            assert synthetic_series.score[i, h] == hand["score"]


def test_from_results_matches_the_log_at_full_precision(synthetic_series):
    s = PoseSeries.from_results(synthetic_results())
    assert (s.presence == synthetic_series.presence).all()
    np.testing.assert_allclose(s.joints_rel_m, synthetic_series.joints_rel_m, atol=6e-6)
    np.testing.assert_allclose(s.joints_px, synthetic_series.joints_px, atol=6e-3)


def test_arrays_are_read_only(synthetic_series):
    with pytest.raises(ValueError):
        synthetic_series.joints_rel_m[0, 0, 0, 0] = 1.0


def test_nulls_become_nan_and_an_empty_log_is_empty(tmp_path):
    record = json.loads(json.dumps(pose_record(synthetic_results()[6])))
    record["hands"]["right"]["joints_rel_m"][3] = [None, None, None]
    record["t_s"] = None
    s = PoseSeries.from_records([record])
    assert np.isnan(s.joints_rel_m[0, 0, 3]).all() and np.isnan(s.t_s[0])
    assert s.presence[0].tolist() == [True, True]
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert PoseSeries.from_pose_log(empty).joints_rel_m.shape == (0, 2, 21, 3)


@pytest.mark.parametrize("bad", [{"t_s": 0.0}, {"frame": 0, "hands": {"left": {"joints_px": []}}}])
def test_malformed_records_name_the_record(bad):
    with pytest.raises(ValueError, match="pose record 1"):
        PoseSeries.from_records([{"frame": 0, "hands": {}}, bad])


def test_unknown_suffix_names_the_path(tmp_path, synthetic_series):
    assert EXPORT_SUFFIXES == (".npz", ".csv", ".bvh", ".glb")
    target = tmp_path / "poses.fbx"
    with pytest.raises(ValueError, match="poses.fbx"):
        write_export(target, synthetic_series)
    assert not target.exists()


@pytest.mark.parametrize("suffix", EXPORT_SUFFIXES)
def test_every_format_writes_into_a_new_folder_without_leftovers(tmp_path, synthetic_series,
                                                                  suffix):
    target = tmp_path / "new" / f"poses{suffix.upper() if suffix == '.csv' else suffix}"
    write_export(target, synthetic_series)
    assert target.stat().st_size > 0
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_a_failed_write_leaves_the_old_file(tmp_path, synthetic_series, monkeypatch):
    from hdr_live.export import npz

    target = tmp_path / "poses.npz"
    target.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(npz.np, "savez_compressed", broken)
    with pytest.raises(OSError, match="disk full"):
        write_export(target, synthetic_series)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == [target.name]


def test_real_clip_log(real_log, real_series):
    records = list(read_pose_log(real_log))
    assert real_series.num_frames == len(records) > 0
    assert real_series.presence.any(axis=0).all(), "both hands appear in the clip's first frames"
    present = real_series.presence
    assert np.isfinite(real_series.joints_px[present]).all()
    np.testing.assert_array_equal(real_series.joints_rel_m[present][:, 0], 0.0)
