"""The .npz arrays and the .csv table read back with numpy and pandas."""

from __future__ import annotations

import numpy as np
import pytest

from hdr_live.export import JOINT_NAMES, write_export
from hdr_live.export.csv_table import COLUMNS
from hdr_live.export.npz import SCHEMA

pd = pytest.importorskip("pandas", reason="the CSV test reads the table with pandas")

NPZ_KEYS = {"frame", "t_s", "joints_px", "joints_rel_m", "presence", "visibility", "scores",
            "joints_cam_m", "inferred", "hands", "joint_names", "schema"}


def _check_npz(path, series):
    with np.load(path, allow_pickle=False) as data:
        assert set(data.files) == NPZ_KEYS
        assert data["hands"].tolist() == ["right", "left"]
        assert data["joint_names"].tolist() == list(JOINT_NAMES)
        assert tuple(data["schema"].tolist()) == SCHEMA
        assert any("right, left" in line for line in data["schema"])
        for key, attr in [("frame", "frame"), ("t_s", "t_s"), ("joints_px", "joints_px"),
                          ("joints_rel_m", "joints_rel_m"), ("presence", "presence"),
                          ("visibility", "visible"), ("scores", "score"),
                          ("joints_cam_m", "joints_cam_m"), ("inferred", "inferred")]:
            want = getattr(series, attr)
            assert data[key].dtype == want.dtype and data[key].shape == want.shape, key
            np.testing.assert_array_equal(data[key], want, err_msg=key)
        absent = ~data["presence"]
        assert np.isnan(data["joints_rel_m"][absent]).all()
        assert np.isnan(data["joints_px"][absent]).all()
        assert not data["visibility"][absent].any()


def _check_csv(path, series):
    table = pd.read_csv(path)
    assert tuple(table.columns) == COLUMNS
    assert len(table) == 21 * int(series.presence.sum())  # absent hands have no rows
    assert table["visible"].dtype == bool and table["hand"].isin(["right", "left"]).all()
    assert (table["joint_name"] == [JOINT_NAMES[j] for j in table["joint"]]).all()
    for h, side in enumerate(("right", "left")):
        rows = table[table["hand"] == side]
        frames = np.flatnonzero(series.presence[:, h])
        assert sorted(set(rows["frame"])) == series.frame[frames].tolist()
        px = rows[["x_px", "y_px"]].to_numpy().reshape(-1, 21, 2)
        rel = rows[["x_m", "y_m", "z_m"]].to_numpy().reshape(-1, 21, 3)
        np.testing.assert_array_equal(px, series.joints_px[frames, h])
        np.testing.assert_array_equal(rel, series.joints_rel_m[frames, h])
        assert (rows["visible"].to_numpy().reshape(-1, 21) == series.visible[frames, h]).all()
        np.testing.assert_array_equal(rows["score"].to_numpy()[::21], series.score[frames, h])
        np.testing.assert_array_equal(rows["t_s"].to_numpy()[::21], series.t_s[frames])


def test_npz_synthetic(tmp_path, synthetic_series):
    write_export(tmp_path / "poses.npz", synthetic_series)
    _check_npz(tmp_path / "poses.npz", synthetic_series)


def test_csv_synthetic(tmp_path, synthetic_series):
    write_export(tmp_path / "poses.csv", synthetic_series)
    _check_csv(tmp_path / "poses.csv", synthetic_series)


def test_csv_missing_number_is_an_empty_field(tmp_path, synthetic_series):
    import dataclasses

    rel = synthetic_series.joints_rel_m.copy()
    rel[6, 0, 4] = np.nan
    damaged = dataclasses.replace(synthetic_series, joints_rel_m=rel)
    write_export(tmp_path / "poses.csv", damaged)
    table = pd.read_csv(tmp_path / "poses.csv")
    row = table[(table["frame"] == 6) & (table["hand"] == "right") & (table["joint"] == 4)]
    assert row[["x_m", "y_m", "z_m"]].isna().all(axis=None)
    assert table[["x_m", "y_m", "z_m"]].isna().to_numpy().sum() == 3


def test_empty_series(tmp_path):
    from hdr_live.export import PoseSeries

    empty = PoseSeries.from_records([])
    write_export(tmp_path / "e.npz", empty)
    write_export(tmp_path / "e.csv", empty)
    assert np.load(tmp_path / "e.npz")["joints_rel_m"].shape == (0, 2, 21, 3)
    assert len(pd.read_csv(tmp_path / "e.csv")) == 0


def test_npz_and_csv_real_clip(tmp_path, real_series):
    write_export(tmp_path / "real.npz", real_series)
    write_export(tmp_path / "real.csv", real_series)
    _check_npz(tmp_path / "real.npz", real_series)
    _check_csv(tmp_path / "real.csv", real_series)
