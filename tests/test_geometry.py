import math

import numpy as np
import pytest

from hdr_live.geometry import (
    Roi,
    apply_affine,
    box_from_mask,
    compose_affine,
    crop_affine,
    invert_affine,
    roi_from_joints,
    warp_crop,
)
from hdr_live.joints import Joint


@pytest.mark.parametrize("mirror", [False, True])
@pytest.mark.parametrize("angle", [0.0, 0.7, -2.5])
def test_crop_affine_round_trip(mirror, angle):
    affine = crop_affine(Roi((321.5, 140.25), 180.0, angle), 256, mirror=mirror)
    pts = np.random.default_rng(0).uniform(-50, 300, size=(50, 2))
    back = apply_affine(invert_affine(affine), apply_affine(affine, pts))
    np.testing.assert_allclose(back, pts, atol=1e-9)
    # the crop centre lands on the ROI centre; the crop side spans the ROI size
    np.testing.assert_allclose(apply_affine(affine, [[127.5, 127.5]])[0], [321.5, 140.25])
    assert math.isclose(abs(np.linalg.det(affine[:, :2])), (180 / 256) ** 2)
    assert (np.linalg.det(affine[:, :2]) < 0) == mirror


def test_compose_matches_sequential_application():
    a = crop_affine(Roi((10, 20), 50, 0.3), 64)
    b = crop_affine(Roi((30, 40), 20, -1.0), 32, mirror=True)
    pts = np.array([[0.0, 0.0], [5.0, 7.0], [31.0, 2.0]])
    np.testing.assert_allclose(
        apply_affine(compose_affine(a, b), pts), apply_affine(a, apply_affine(b, pts))
    )


def test_warp_crop_samples_where_the_affine_says():
    image = np.zeros((100, 200, 3), np.uint8)
    image[30, 150] = 255
    affine = crop_affine(Roi((150.0, 30.0), 21.0), 21)
    crop = warp_crop(image, affine, 21)
    assert tuple(np.argwhere(crop[..., 0] == 255)[0]) == (10, 10)


def test_mirrored_crop_is_flipped_plain_crop():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, size=(120, 160, 3), dtype=np.uint8)
    roi = Roi((80.0, 60.0), 64.0)
    plain = warp_crop(image, crop_affine(roi, 64), 64)
    mirrored = warp_crop(image, crop_affine(roi, 64, mirror=True), 64)
    np.testing.assert_array_equal(mirrored, plain[:, ::-1])


def test_box_from_mask():
    mask = np.zeros((50, 60), bool)
    assert box_from_mask(mask) is None
    mask[10:20, 5:9] = True
    box = box_from_mask(mask)
    assert (box.x0, box.y0, box.x1, box.y1) == (5, 10, 8, 19)
    assert box.width == 4 and box.height == 10


def _upright_hand(center=(100.0, 100.0), size=40.0) -> np.ndarray:
    j = np.zeros((21, 2))
    cx, cy = center
    for f, x in enumerate(np.linspace(-0.4, 0.4, 5)):
        for k in range(4):
            j[1 + 4 * f + k] = (cx + x * size, cy - (0.2 + 0.3 * k) * size)
    j[Joint.WRIST] = (cx, cy + 0.5 * size)
    return j


@pytest.mark.parametrize("turn", [0.0, math.pi / 2, 2.0, -math.pi])
def test_roi_from_joints_makes_the_hand_upright(turn):
    base = _upright_hand()
    c, s = math.cos(turn), math.sin(turn)
    rot = np.array([[c, -s], [s, c]])
    joints = (base - 100.0) @ rot.T + 100.0
    roi = roi_from_joints(joints)
    affine = crop_affine(roi, 224)
    in_crop = apply_affine(invert_affine(affine), joints)
    up = in_crop[Joint.MIDDLE_MCP] - in_crop[Joint.WRIST]
    assert up[1] < 0 and abs(up[0]) < 1e-6 * 224 + 1e-6  # wrist straight below the middle MCP
    assert roi.size_px > np.ptp(joints, axis=0).max()  # the region contains the hand
