"""Readers of the official AIH layout and of InterHand2.6M, on tiny fixtures written here."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from hdr_live.joints import Joint, Side
from training.readers.aih import AihRenderReader, AihSynSingleHands
from training.readers.interhand import IH_TO_PROJECT, InterHandReader, project_order


def _png(path, arr):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), arr)


def _jpg(path, rgb):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 100])


def _write_aih_render(root):
    base = root / "AIH_render" / "machine_annot" / "train"
    img = np.full((32, 32, 3), 90, np.uint8)
    gt = np.full((32, 32, 3), 160, np.uint8)
    amodal = np.zeros((32, 32), np.uint8)
    amodal[8:24, 8:24] = 1
    vis = np.zeros((32, 32), np.uint8)
    vis[8:16, 8:24] = 1  # right visible (top half of its amodal)
    vis[16:28, 4:28] = 2  # left hand in front, covering the bottom half and beyond
    for c in ("r", "l"):
        _jpg(base / "images" / f"{c}_images" / "IH" / "00001.jpg", img)
        _jpg(base / "images" / f"{c}_images" / "DR_gt" / "00001.jpg", gt)
        _png(base / "labels" / f"in_{c}_images" / f"{c}_amodal" / "00001.png", amodal)
        _png(base / "labels" / f"in_{c}_images" / "rl_visible" / "00001.png", vis)


def test_aih_render_reader(tmp_path):
    _write_aih_render(tmp_path)
    reader = AihRenderReader(tmp_path)
    assert len(reader) == 2
    s = reader[0]
    assert s.centre is Side.RIGHT and s.name == "00001"
    assert s.image.shape == (32, 32, 3) and abs(int(s.target[0, 0, 0]) - 160) <= 1
    assert s.amodal.sum() == 256 and s.visible_right.sum() == 128
    assert s.m_d.sum() == 128  # the bottom half of the right hand is hidden
    assert s.m_r.sum() == int((~s.amodal & s.visible_left).sum()) > 0
    assert not np.any(s.visible_right & s.visible_left)
    assert reader[1].centre is Side.LEFT


def test_aih_render_reader_missing_split(tmp_path):
    with pytest.raises(FileNotFoundError):
        AihRenderReader(tmp_path, phase="val")


def test_aih_syn_single_hands(tmp_path):
    root = tmp_path / "AIH_syn"
    (root / "filtered_list").mkdir(parents=True)
    (root / "filtered_list" / "machine_annot_train_sh_left_filtered.txt").write_text("7\n12\n")
    for idx in (7, 12):
        _jpg(
            root / "machine_annot" / "train" / "images" / "l_images" / f"{idx}.jpg",
            np.full((16, 16, 3), idx, np.uint8),
        )
        mask = np.zeros((16, 16), np.uint8)
        mask[2 : 2 + idx // 2, 3:9] = 1
        _png(root / "machine_annot" / "train" / "labels" / "in_l_images" / "l_amodal" / f"{idx}.png", mask)
    hands = AihSynSingleHands(tmp_path, Side.LEFT)
    assert len(hands) == 2
    h = hands[1]
    assert h.index == 12 and h.side is Side.LEFT and h.amodal.sum() == 6 * 6


def test_interhand_joint_order_maps_tip_first_to_wrist_first():
    ih = np.arange(21)
    ours = project_order(ih)
    assert ours[Joint.WRIST] == 20
    assert ours[Joint.THUMB_CMC] == 3 and ours[Joint.THUMB_TIP] == 0
    assert ours[Joint.INDEX_MCP] == 7 and ours[Joint.INDEX_TIP] == 4
    assert ours[Joint.PINKY_MCP] == 19 and ours[Joint.PINKY_TIP] == 16
    assert sorted(IH_TO_PROJECT.tolist()) == list(range(21))


def _write_interhand(root, world_mm, rot, campos_mm, focal, princpt):
    ann = root / "annotations" / "test"
    ann.mkdir(parents=True)
    data = {
        "images": [
            {
                "id": 5,
                "file_name": "Capture1/seq/cam400/image100.jpg",
                "width": 64,
                "height": 48,
                "capture": 1,
                "camera": "400",
                "frame_idx": 100,
                "seq_name": "seq",
            }
        ],
        "annotations": [
            {
                "id": 5,
                "image_id": 5,
                "joint_valid": [[1]] * 21 + [[0]] * 21,
                "hand_type": "right",
                "hand_type_valid": 1,
            }
        ],
    }
    cams = {
        "1": {
            "campos": {"400": campos_mm.tolist()},
            "camrot": {"400": rot.tolist()},
            "focal": {"400": list(focal)},
            "princpt": {"400": list(princpt)},
        }
    }
    joints = {
        "1": {"100": {"world_coord": world_mm.tolist(), "joint_valid": [[True]] * 42, "hand_type": "right"}}
    }
    (ann / "InterHand2.6M_test_data.json").write_text(json.dumps(data))
    (ann / "InterHand2.6M_test_camera.json").write_text(json.dumps(cams))
    (ann / "InterHand2.6M_test_joint_3d.json").write_text(json.dumps(joints))
    _jpg(
        root / "images" / "test" / "Capture1" / "seq" / "cam400" / "image100.jpg",
        np.zeros((48, 64, 3), np.uint8),
    )


def test_interhand_reader_converts_world_mm_to_camera_metres(tmp_path):
    rng = np.random.default_rng(0)
    cam_pts = rng.uniform([-0.1, -0.1, 0.8], [0.1, 0.1, 1.0], (42, 3))  # metres, camera frame
    ang = 0.3
    rot = np.array([[np.cos(ang), 0, np.sin(ang)], [0, 1, 0], [-np.sin(ang), 0, np.cos(ang)]])
    campos = np.array([0.2, -0.1, 0.05])
    world_mm = (cam_pts @ rot + campos) * 1000.0  # inverse of p_cam = R (p_world - campos)
    _write_interhand(tmp_path, world_mm, rot, campos * 1000, (500.0, 510.0), (31.5, 23.5))
    reader = InterHandReader(tmp_path, "test")
    assert len(reader) == 1
    frame = reader[0]
    assert frame.hand_type == "right" and frame.hands.left is None
    right = frame.hands.right
    np.testing.assert_allclose(right.joints_cam_m, project_order(cam_pts[:21]), atol=1e-9)
    np.testing.assert_allclose(right.joints_px, frame.camera_model.project(right.joints_cam_m), atol=1e-9)
    assert right.valid.all()
    assert frame.load_image().shape == (48, 64, 3)
