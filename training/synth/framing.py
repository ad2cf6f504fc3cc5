"""Put a camera in front of posed hands so that they fill a chosen share of the image.

World -> camera: ``p_cam = R_wc @ (p_world - centre)``; camera axes x right, y down, z forward.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from training.synth.camera import Camera
from training.synth.skinning import PosedHand

MIN_DISTANCE_M = 0.22


def look_rotation(forward: np.ndarray, down_hint: np.ndarray) -> np.ndarray:
    """World->camera rotation (3, 3) whose rows are the camera x, y, z axes in world coordinates.

    Args:
        forward: (3,) viewing direction (camera +z). down_hint: (3,) roughly image-down; made
            orthogonal to ``forward``; must not be parallel to it.

    Returns:
        (3, 3) float64 rotation.
    """
    z = forward / np.linalg.norm(forward)
    y = down_hint - (down_hint @ z) * z
    y = y / np.linalg.norm(y)
    return np.stack([np.cross(y, z), y, z])


def to_camera(hand: PosedHand, rot_wc: np.ndarray, centre: np.ndarray) -> PosedHand:
    """Express a posed hand in the camera frame ``p_cam = rot_wc @ (p - centre)``."""
    return dataclasses.replace(
        hand,
        vertices=(hand.vertices - centre) @ rot_wc.T,
        normals=hand.normals @ rot_wc.T,
        joints=(hand.joints - centre) @ rot_wc.T,
    )


def frame_points(
    points: np.ndarray,
    camera: Camera,
    forward: np.ndarray,
    down_hint: np.ndarray,
    fill: float,
    offset_px: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Camera pose that sees ``points`` from ``forward`` with their box filling ``fill`` of the image.

    Two fixed-point iterations on distance and lateral shift (perspective makes it approximate).

    Args:
        points: (N, 3) world points to frame (e.g. both hands' joints).
        camera: intrinsics. forward, down_hint: viewing direction and roll hint (see
            :func:`look_rotation`). fill: wanted box side / image side. offset_px: (2,) wanted box
            centre offset from the image centre, pixels.

    Returns:
        ``(rot_wc, centre)``: (3, 3) rotation and (3,) camera centre in world coordinates.
    """
    rot = look_rotation(forward, down_hint)
    target = points.mean(axis=0)
    dist = 0.5
    centre = target - rot[2] * dist
    for _ in range(3):
        cam_pts = (points - centre) @ rot.T
        cam_pts[:, 2] = np.maximum(cam_pts[:, 2], 1e-3)
        px = camera.project(cam_pts)
        extent = max(np.ptp(px[:, 0]) / camera.width, np.ptp(px[:, 1]) / camera.height, 1e-3)
        depth = float(np.median(cam_pts[:, 2]))
        new_depth = max(depth * extent / fill, MIN_DISTANCE_M)
        mid = (px.min(axis=0) + px.max(axis=0)) / 2 - np.array([camera.cx, camera.cy]) - offset_px
        shift = rot[0] * mid[0] * depth / camera.fx + rot[1] * mid[1] * depth / camera.fy
        centre = centre + shift - rot[2] * (new_depth - depth)
    return rot, centre


def person_view(
    hands: tuple[PosedHand, ...], rng: np.random.Generator, random_view_prob: float = 0.15
) -> tuple[np.ndarray, np.ndarray]:
    """A viewing direction and roll hint like a camera in front of the person.

    Forearms run from the hands back to the body, so a camera facing the person sees them going
    away from it and towards the image bottom. With probability ``random_view_prob`` the view is
    uniformly random instead (egocentric and odd angles).

    Args:
        hands: posed hands in the world frame (their forearm vertices are used).
        rng: numpy generator (consumed).

    Returns:
        ``(forward, down_hint)`` for :func:`frame_points`, (3,) each.
    """
    if rng.random() < random_view_prob:
        forward = rng.normal(size=3)
        return forward, np.cross(forward, rng.normal(size=3))
    dirs = []
    for hand in hands:
        far = hand.mesh.coords.forearm_s > 0.1
        d = hand.vertices[far].mean(axis=0) - hand.joints[0] if far.any() else rng.normal(size=3)
        dirs.append(d / np.linalg.norm(d))
    to_body = np.sum(dirs, axis=0)
    to_body = to_body / max(np.linalg.norm(to_body), 1e-6)
    forward = 0.55 * to_body + rng.normal(0, 0.55, 3)
    down = to_body + rng.normal(0, 0.45, 3)
    if abs(np.dot(forward, down)) > 0.98 * np.linalg.norm(forward) * np.linalg.norm(down):
        down = down + np.array([0.3, -0.2, 0.1])
    return forward, down
