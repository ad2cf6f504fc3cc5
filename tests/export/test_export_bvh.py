"""The .bvh export read back and animated by an independent BVH library (bvhio)."""

from __future__ import annotations

import numpy as np
import pytest

from _export_helpers import last_present, retarget, to_y_up
from hdr_live.export import HAND_ORDER, JOINT_NAMES, write_export
from hdr_live.joints import BONES

bvhio = pytest.importorskip("bvhio", reason="the BVH round trip reads the file with bvhio")

CM_PER_M = 100.0


def _fk(path, frames):
    """(F, 2, 21, 3) joint positions in the file's units from bvhio's forward kinematics."""
    root = bvhio.readAsHierarchy(str(path))
    joints = {joint.Name: joint for joint, _, _ in root.layout()}
    out = np.zeros((frames, 2, 21, 3))
    for f in range(frames):
        root.loadPose(f)
        for h, side in enumerate(HAND_ORDER):
            for j, name in enumerate(JOINT_NAMES):
                p = joints[f"{side.value}_{name}"].PositionWorld
                out[f, h, j] = (p.x, p.y, p.z)
    return out


def _round_trip(tmp_path, series, name):
    path = tmp_path / f"{name}.bvh"
    write_export(path, series)
    fk = _fk(path, series.num_frames)
    report = {}
    for h, side in enumerate(HAND_ORDER):
        present = series.presence[:, h]
        logged = to_y_up(series.joints_rel_m[:, h]) * CM_PER_M
        rel = fk[:, h] - fk[:, h, :1]
        want = retarget(logged, present)
        error_mm = np.linalg.norm(rel[present] - want[present], axis=-1).max() * 10
        assert error_mm < 1.0, f"{side.value}: FK is {error_mm:.4f} mm from the retargeted joints"
        angles = [_angle_deg(rel[present][:, c] - rel[present][:, p],
                             logged[present][:, c] - logged[present][:, p]) for p, c in BONES]
        assert max(angles) < 0.01, f"{side.value}: bone directions differ by {max(angles)}°"
        raw_mm = np.linalg.norm(rel[present] - logged[present], axis=-1) * 10
        report[side.value] = (error_mm, raw_mm.max(), raw_mm.mean())
        held = last_present(present)
        np.testing.assert_allclose(fk[:, h], fk[held, h], atol=1e-3)  # absent rows hold the pose
    print(f"\n{name} BVH round trip (mm): " + ", ".join(
        f"{side} retargeted max {e:.5f}, raw max {rmax:.1f} mean {rmean:.1f}"
        for side, (e, rmax, rmean) in report.items()))
    return path, fk


def _angle_deg(a, b):
    cos = np.sum(a * b, axis=-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))).max())


def test_layout(tmp_path, synthetic_series):
    path = tmp_path / "poses.bvh"
    write_export(path, synthetic_series)
    bvh = bvhio.readAsBvh(str(path))
    assert bvh.Root.Name == "hands"
    assert [child.Name for child in bvh.Root.Children] == ["right_wrist", "left_wrist"]
    assert bvh.FrameCount == synthetic_series.num_frames
    assert bvh.FrameTime == pytest.approx(1 / 30, abs=1e-6)
    wrist = bvh.Root.Children[0]
    assert wrist.Channels == ["Xposition", "Yposition", "Zposition",
                              "Zrotation", "Xrotation", "Yrotation"]
    assert wrist.Children[0].Name == "right_thumb_metacarpal"
    assert wrist.Children[0].Channels == ["Zrotation", "Xrotation", "Yrotation"]
    text = path.read_text()
    assert text.count("ROOT") == 1 and text.count("JOINT") == 52 and text.count("End Site") == 10


def test_rest_offsets_are_median_bone_lengths(tmp_path, synthetic_series):
    path = tmp_path / "poses.bvh"
    write_export(path, synthetic_series)
    bvh = bvhio.readAsBvh(str(path), loadKeyFrames=False)
    offsets = {}

    def walk(joint):
        offsets[joint.Name] = np.array([joint.Offset.x, joint.Offset.y, joint.Offset.z])
        for child in joint.Children:
            walk(child)

    walk(bvh.Root)
    for h, side in enumerate(HAND_ORDER):
        present = synthetic_series.presence[:, h]
        rel = synthetic_series.joints_rel_m[present, h] * CM_PER_M
        for p, c in BONES:
            median = np.median(np.linalg.norm(rel[:, c] - rel[:, p], axis=-1))
            length = np.linalg.norm(offsets[f"{side.value}_{JOINT_NAMES[c]}"])
            assert length == pytest.approx(median, abs=2e-4)


def test_round_trip_synthetic(tmp_path, synthetic_series):
    _, fk = _round_trip(tmp_path, synthetic_series, "synthetic")
    # The person's right hand is on the image's left in the synthetic clip; image y is down.
    assert (fk[:, 0, 0, 0] < fk[:, 1, 0, 0]).all()
    assert np.allclose(fk[:, :, 0, 2], 0.0)  # wrists on the image plane


def test_round_trip_real_clip(tmp_path, real_series):
    _round_trip(tmp_path, real_series, "real clip")


def test_a_hand_never_seen_and_an_empty_series(tmp_path, synthetic_series):
    import dataclasses

    from hdr_live.export import PoseSeries

    presence = synthetic_series.presence.copy()
    presence[:, 1] = False  # the left hand never appears
    rel = synthetic_series.joints_rel_m.copy()
    rel[:, 1] = np.nan
    only_right = dataclasses.replace(synthetic_series, presence=presence, joints_rel_m=rel)
    path = tmp_path / "right.bvh"
    write_export(path, only_right)
    fk = _fk(path, only_right.num_frames)
    np.testing.assert_allclose(fk[:, 1], fk[:1, 1].repeat(len(fk), axis=0), atol=1e-6)  # at rest
    np.testing.assert_allclose(fk[:, 1, 0], 0.0, atol=1e-6)  # at the origin
    lengths = [np.linalg.norm(fk[0, :, c] - fk[0, :, p], axis=-1) for p, c in BONES]
    np.testing.assert_allclose(*np.transpose(lengths), atol=2e-3)  # the right hand's lengths
    write_export(tmp_path / "empty.bvh", PoseSeries.from_records([]))
    empty = bvhio.readAsBvh(str(tmp_path / "empty.bvh"))
    assert empty.FrameCount == 0 and empty.Root.Name == "hands"
