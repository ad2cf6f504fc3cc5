"""The one camera model (hdr_live/camera.py): the default guess, and projection and
back-projection as each other's inverse."""

import numpy as np
import pytest

from hdr_live.camera import Intrinsics, backproject, project


def test_the_guess_centres_the_principal_point_and_takes_the_longer_side_as_focal():
    cam = Intrinsics.guess(720, 1280)
    assert (cam.focal_px, cam.cx_px, cam.cy_px) == (1280.0, 639.5, 359.5)
    assert Intrinsics.guess(720, 1280, focal_px=900.0).focal_px == 900.0
    with pytest.raises(ValueError, match="focal_px"):
        Intrinsics.guess(720, 1280, focal_px=-1.0)


def test_projection_inverts_back_projection():
    cam = Intrinsics(1000.0, 320.0, 240.0)
    rng = np.random.default_rng(0)
    px = rng.uniform(0, 640, (21, 2))
    depth = rng.uniform(0.3, 2.0, 21)
    points = backproject(px, depth, cam)
    np.testing.assert_allclose(points[:, 2], depth)
    np.testing.assert_allclose(project(points, cam), px, atol=1e-9)
    # the principal point lies on the optical axis
    np.testing.assert_allclose(backproject(np.array([320.0, 240.0]), 1.5, cam), [0, 0, 1.5])
