"""The procedural hand: skeleton proportions, joint limits, mirroring, mesh and skinning."""

from __future__ import annotations

import numpy as np

from hdr_live.joints import BONES, Joint, Side
from hdr_live.hand_model.articulation import ANGLE_HIGH, ANGLE_LOW, HandArticulation, forward_kinematics
from training.synth.camera import Camera
from training.synth.mesh_bank import person_mesh
from training.synth.pose_prior import Gesture, sample_articulation
from hdr_live.hand_model.skeleton import HandShape, rest_skeleton
from training.synth.skinning import Placement, facing_rotation, pose_hand

SEED = 11


def test_rest_skeleton_has_adult_proportions():
    j = rest_skeleton(HandShape()).joints()
    hand_length = np.linalg.norm(j[Joint.MIDDLE_TIP] - j[Joint.WRIST])
    palm_length = np.linalg.norm(j[Joint.MIDDLE_MCP] - j[Joint.WRIST])
    assert 0.17 < hand_length < 0.21  # adult hand length ~0.19 m
    assert 0.08 < palm_length < 0.10
    assert j[Joint.THUMB_TIP, 0] > 0 > j[Joint.PINKY_MCP, 0]  # right hand: thumb radial (+x)


def test_bone_lengths_survive_posing():
    rest = rest_skeleton(HandShape())
    posed = forward_kinematics(rest, sample_articulation(np.random.default_rng(0), Gesture.FIST))
    r, p = rest.joints(), posed.joints
    for a, b in BONES:
        assert np.isclose(np.linalg.norm(r[b] - r[a]), np.linalg.norm(p[b] - p[a]))


def test_flexion_curls_towards_the_palm():
    rest = rest_skeleton(HandShape())
    fingers = np.zeros((5, 4))
    fingers[1:, [0, 2, 3]] = [60, 60, 40]
    posed = forward_kinematics(rest, HandArticulation(fingers, np.zeros(2)))
    assert posed.joints[Joint.INDEX_TIP, 2] > 0.03  # palmar is +z in the hand frame


def test_sampled_articulations_stay_within_limits():
    rng = np.random.default_rng(3)
    for _ in range(200):
        art = sample_articulation(rng)
        assert art.within_limits()
    wild = HandArticulation(np.full((5, 4), 500.0), np.array([500.0, -500.0]))
    assert not wild.within_limits() and wild.clipped().within_limits()
    assert np.all(wild.clipped().fingers == ANGLE_HIGH) and np.all(wild.clipped().fingers >= ANGLE_LOW)


def test_left_hand_is_the_mirror_of_the_right():
    mesh = person_mesh(SEED, 0, 1.0)
    art = sample_articulation(np.random.default_rng(5))
    place = Placement(np.eye(3), np.zeros(3))
    right = pose_hand(mesh, art, Side.RIGHT, place)
    left = pose_hand(mesh, art, Side.LEFT, place)
    mirror = np.diag([-1.0, 1.0, 1.0])
    np.testing.assert_allclose(left.joints, right.joints @ mirror, atol=1e-12)
    np.testing.assert_allclose(left.vertices, right.vertices @ mirror, atol=1e-12)


def test_mesh_is_closed_and_weights_are_normalised():
    mesh = person_mesh(SEED, 0, 1.0)
    edges = np.sort(
        np.concatenate([mesh.triangles[:, [0, 1]], mesh.triangles[:, [1, 2]], mesh.triangles[:, [2, 0]]]),
        axis=1,
    )
    _, counts = np.unique(edges, axis=0, return_counts=True)
    assert np.all(counts == 2)  # every edge shared by exactly two triangles: watertight
    np.testing.assert_allclose(mesh.weights.sum(axis=1), 1.0, atol=1e-5)
    assert np.allclose(np.linalg.norm(mesh.normals, axis=1), 1.0, atol=1e-6)


def test_palm_faces_camera_with_thumb_towards_the_centre():
    """Right hand, fingers up, palm to the camera on the image left: thumb points to image right."""
    mesh = person_mesh(SEED, 0, 1.0)
    rot = facing_rotation(np.array([0, -1.0, 0]), np.array([0, 0, -1.0]))
    hand = pose_hand(mesh, HandArticulation.rest(), Side.RIGHT, Placement(rot, np.array([-0.15, 0.05, 0.6])))
    px = Camera.from_fov(640, 480, 60).project(hand.joints)
    assert px[Joint.THUMB_TIP, 0] > px[Joint.PINKY_TIP, 0]
    assert px[Joint.MIDDLE_TIP, 1] < px[Joint.WRIST, 1]
