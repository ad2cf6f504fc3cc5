"""Exports in camera space: the BVH and glTF wrists follow the fitted wrists of the pose log's
``joints_cam_m`` (read back with bvhio and pygltflib), and the glTF flags inferred hands
(issue "One engine, one camera", item 3)."""

from __future__ import annotations

import numpy as np
import pytest

from _export_helpers import to_y_up
from hdr_live.export import HAND_ORDER, write_export

bvhio = pytest.importorskip("bvhio", reason="reads the BVH back")
gl = pytest.importorskip("pygltflib", reason="reads the glTF back")


def _logged_wrists_m(series) -> np.ndarray:
    """(F, 2, 3) the pose log's fitted wrists in the exports' Y-up axes."""
    return to_y_up(series.joints_cam_m[:, :, 0])


def test_the_real_clip_has_fitted_wrists(real_series):
    present = real_series.presence
    assert present.any() and np.isfinite(real_series.joints_cam_m[:, :, 0][present]).all()
    depth = real_series.joints_cam_m[:, :, 0, 2][present]
    assert depth.max() - depth.min() > 0.01  # the hands move in depth in this clip


def test_bvh_wrists_are_the_fitted_wrists(tmp_path, real_series):
    path = tmp_path / "real.bvh"
    write_export(path, real_series)
    root = bvhio.readAsHierarchy(str(path))
    joints = {joint.Name: joint for joint, _, _ in root.layout()}
    logged = _logged_wrists_m(real_series)
    for f in range(real_series.num_frames):
        root.loadPose(f)
        for h, side in enumerate(HAND_ORDER):
            if real_series.presence[f, h]:
                p = joints[f"{side.value}_wrist"].PositionWorld
                got_m = np.array([p.x, p.y, p.z]) / 100.0
                assert np.abs(got_m - logged[f, h]).max() < 1e-4, (f, side)


def test_gltf_wrists_are_the_fitted_wrists_and_inferred_hands_are_flagged(tmp_path,
                                                                          real_series):
    from test_export_gltf import _animated_joints

    path = tmp_path / "real.glb"
    write_export(path, real_series)
    gltf = gl.GLTF2.load(str(path))
    _, joints = _animated_joints(gltf)
    logged = _logged_wrists_m(real_series)
    present = real_series.presence
    for h in range(2):
        np.testing.assert_allclose(joints[present[:, h], h, 0], logged[present[:, h], h],
                                   atol=1e-5)
    extras = gltf.scenes[0].extras
    assert extras["wrists"].startswith("camera frame")
    for h, side in enumerate(HAND_ORDER):
        assert extras["inferred"][side.value] == (real_series.inferred[:, h]
                                                  & present[:, h]).astype(int).tolist()


def test_without_3d_the_wrists_stay_on_the_image_plane(tmp_path, synthetic_series):
    path = tmp_path / "plain.glb"
    write_export(path, synthetic_series)
    extras = gl.GLTF2.load(str(path)).scenes[0].extras
    assert extras["wrists"] == "image plane, depth 0"
