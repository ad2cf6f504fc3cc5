"""The .glb export read back with pygltflib (and trimesh), animated by the test's own FK."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from _export_helpers import last_present, retarget, to_y_up
from hdr_live.export import HAND_ORDER, JOINT_NAMES, write_export

gl = pytest.importorskip("pygltflib", reason="the glTF round trip reads the file with pygltflib")

NODES = 1 + 2 * (1 + 5 * 5)
SAMPLERS = 2 * (1 + 5 + 15) + 2  # rotations of wrists, metacarpals, non-tip joints; 2 wrists


def _accessor(gltf, index):
    accessor = gltf.accessors[index]
    view = gltf.bufferViews[accessor.bufferView]
    width = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}[accessor.type]
    assert accessor.componentType == gl.FLOAT
    start = (view.byteOffset or 0) + (accessor.byteOffset or 0)
    data = np.frombuffer(gltf.binary_blob(), np.float32, accessor.count * width, start)
    return data.reshape(accessor.count, width).astype(np.float64)


def _animated_joints(gltf):
    """(K, 2, 21, 3) world joint positions at every keyframe, by the glTF node TRS rules."""
    (animation,) = gltf.animations
    keys = {}
    for channel in animation.channels:
        sampler = animation.samplers[channel.sampler]
        keys[(channel.target.node, channel.target.path)] = _accessor(gltf, sampler.output)
    times = _accessor(gltf, animation.samplers[0].input)[:, 0]
    parent = {child: n for n, node in enumerate(gltf.nodes) for child in node.children}
    names = [node.name for node in gltf.nodes]
    out = np.zeros((len(times), 2, 21, 3))
    for k in range(len(times)):
        world = {}
        for n, node in enumerate(gltf.nodes):  # parents come before children in this file
            t = keys[(n, "translation")][k] if (n, "translation") in keys else node.translation
            q = keys[(n, "rotation")][k] if (n, "rotation") in keys else node.rotation
            pos = np.array(t if t is not None else [0.0, 0.0, 0.0], dtype=float)
            rot = Rotation.from_quat(q if q is not None else [0.0, 0.0, 0.0, 1.0])
            if n in parent:
                ppos, prot = world[parent[n]]
                pos, rot = ppos + prot.apply(pos), prot * rot
            world[n] = (pos, rot)
        for h, side in enumerate(HAND_ORDER):
            for j, name in enumerate(JOINT_NAMES):
                out[k, h, j] = world[names.index(f"{side.value}_{name}")][0]
    return times, out


def _round_trip(tmp_path, series, name):
    path = tmp_path / f"{name}.glb"
    write_export(path, series)
    gltf = gl.GLTF2.load(str(path))
    assert len(gltf.nodes) == NODES and gltf.nodes[0].name == "hands"
    (animation,) = gltf.animations
    assert len(animation.samplers) == len(animation.channels) == SAMPLERS
    times, joints = _animated_joints(gltf)
    np.testing.assert_allclose(times, series.t_s - series.t_s[0], atol=1e-6)
    report = []
    for h, side in enumerate(HAND_ORDER):
        present = series.presence[:, h]
        logged = to_y_up(series.joints_rel_m[:, h])
        rel = joints[:, h] - joints[:, h, :1]
        error_mm = np.linalg.norm(rel[present] - retarget(logged, present)[present], axis=-1) * 1e3
        assert error_mm.max() < 1.0, f"{side.value}: {error_mm.max():.4f} mm from retargeted"
        raw_mm = np.linalg.norm(rel[present] - logged[present], axis=-1) * 1e3
        report.append(f"{side.value} retargeted max {error_mm.max():.5f}, raw max "
                      f"{raw_mm.max():.1f} mean {raw_mm.mean():.1f}")
        np.testing.assert_allclose(joints[:, h], joints[last_present(present), h], atol=1e-6)
    print(f"\n{name} glTF round trip (mm): " + ", ".join(report))
    return path, joints


def test_round_trip_synthetic(tmp_path, synthetic_series):
    _, joints = _round_trip(tmp_path, synthetic_series, "synthetic")
    assert (joints[:, 0, 0, 0] < joints[:, 1, 0, 0]).all()  # right hand on the image's left


def test_round_trip_real_clip(tmp_path, real_series):
    _round_trip(tmp_path, real_series, "real_clip")


def test_trimesh_reads_the_rest_pose(tmp_path, synthetic_series):
    trimesh = pytest.importorskip("trimesh", reason="optional second glTF reader")
    path = tmp_path / "poses.glb"
    write_export(path, synthetic_series)
    scene = trimesh.load(str(path))
    gltf = gl.GLTF2.load(str(path))
    names = [node.name for node in gltf.nodes]
    assert set(names) <= set(scene.graph.nodes)
    assert len(scene.graph.nodes_geometry) == 42  # one joint marker per joint
    tip, _ = scene.graph.get("right_index_tip")
    chain = ["right_index_metacarpal", "right_index_mcp", "right_index_pip", "right_index_dip",
             "right_index_tip"]
    rest = np.sum([gltf.nodes[names.index(n)].translation for n in chain], axis=0)
    np.testing.assert_allclose(tip[:3, 3], rest, atol=1e-6)


def test_empty_series_has_no_animation(tmp_path):
    from hdr_live.export import PoseSeries

    write_export(tmp_path / "empty.glb", PoseSeries.from_records([]))
    gltf = gl.GLTF2.load(str(tmp_path / "empty.glb"))
    assert len(gltf.nodes) == NODES and not gltf.animations
