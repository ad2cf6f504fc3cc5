"""The CPU ray-cast 3D skeleton view and the placement of the hands in camera space."""

import numpy as np
import pytest

from hdr_live.joints import Side
from hdr_live.camera import Intrinsics
from hdr_live.live.placement import joints_camera_m, wrist_camera_m

CAM = Intrinsics.guess(720, 1280)
from hdr_live.types import HandGeometry
from hdr_live.types import HandPose
from hdr_live.ui.skeleton3d import (
    SIDE_COLOURS,
    OrbitCamera,
    SkeletonRenderer,
    SkeletonStyle,
    fit_distance_m,
    skeleton_mesh,
)
from support import hand_joints


def _pose(side: Side, center, scale=1.0) -> HandPose:
    px, rel = hand_joints(center, scale)
    return HandPose(side, px, rel, np.ones(21, bool), 0.9)


def test_wrist_placement_follows_pinhole_geometry():
    pose = _pose(Side.RIGHT, (900.0, 200.0))
    ppm = HandGeometry(pose.joints_px, pose.joints_rel_m).px_per_m()
    wrist = wrist_camera_m(pose, CAM)
    f = 1280.0
    assert wrist[2] == pytest.approx(f / ppm)
    assert wrist[0] == pytest.approx((900.0 - 639.5) * wrist[2] / f)
    assert wrist[1] == pytest.approx((200.0 - 359.5) * wrist[2] / f)
    # a hand drawn twice as large is twice as near
    big = wrist_camera_m(_pose(Side.RIGHT, (900.0, 200.0), 2.0), CAM)
    assert big[2] == pytest.approx(wrist[2] / 2.0)
    joints = joints_camera_m(pose, CAM)
    np.testing.assert_allclose(joints - joints[0], pose.joints_rel_m)


def test_orbit_camera_axes_are_a_right_handed_rotation():
    for cam in (OrbitCamera(), OrbitCamera(35.0, -20.0), OrbitCamera().orbited(400, 200)):
        eye, rot = cam.pose(np.array([0.1, 0.0, 0.6]))
        np.testing.assert_allclose(rot.T @ rot, np.eye(3), atol=1e-9)
        assert np.linalg.det(rot) == pytest.approx(1.0)
        np.testing.assert_allclose(np.linalg.norm(eye - [0.1, 0.0, 0.6]), cam.distance_m)
    assert OrbitCamera().orbited(0, 500).elevation_deg == 85.0
    _, rot = OrbitCamera().pose(np.zeros(3))
    np.testing.assert_allclose(rot, np.eye(3), atol=1e-12)  # default: the video camera's view


def test_render_shows_each_hand_in_its_colour_on_its_side():
    hands = [
        (Side.RIGHT, joints_camera_m(_pose(Side.RIGHT, (450.0, 500.0), 3.0), CAM)),
        (Side.LEFT, joints_camera_m(_pose(Side.LEFT, (830.0, 500.0), 3.0), CAM)),
    ]
    style = SkeletonStyle(width_px=240, height_px=180)
    renderer = SkeletonRenderer(style)
    joints = np.concatenate([j for _, j in hands])
    cam = OrbitCamera(distance_m=fit_distance_m(joints, 45.0))
    image = renderer.render(hands, cam)
    assert image.shape == (180, 240, 3) and image.dtype == np.uint8

    def colour_columns(side: Side) -> np.ndarray:
        r, g, b = (int(c) for c in SIDE_COLOURS[side])
        dominant = 0 if r > g else 1
        mask = image[..., dominant].astype(int) > image[..., 1 - dominant].astype(int) + 60
        return np.nonzero(mask)[1]

    right_x, left_x = colour_columns(Side.RIGHT), colour_columns(Side.LEFT)
    assert len(right_x) > 100 and len(left_x) > 100
    assert right_x.mean() < 120 < left_x.mean()  # as in the image: right hand on the left
    orbited = renderer.render(hands, cam.orbited(90.0, 0.0))
    assert np.abs(orbited.astype(int) - image.astype(int)).mean() > 1.0
    empty = renderer.render([], cam)
    assert empty.shape == image.shape


def test_mesh_has_a_sphere_per_joint_and_a_cylinder_per_bone():
    _, j = hand_joints((0.0, 0.0))
    verts, tris, cols = skeleton_mesh([(Side.RIGHT, j + [0, 0, 0.5])], SkeletonStyle())
    assert len(tris) == len(cols) and verts.dtype == np.float32
    assert tris.max() < len(verts)
    with pytest.raises(ValueError):
        SkeletonRenderer().render([(Side.LEFT, np.full((21, 3), np.nan))], OrbitCamera())
