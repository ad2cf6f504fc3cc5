import numpy as np

from hdr_live.joints import BONES, FINGERS, NUM_JOINTS, Joint, Side, mirror_joints_3d, mirror_joints_px


def test_bones_cover_every_joint_once_as_child():
    children = sorted(b for _, b in BONES)
    assert children == list(range(1, NUM_JOINTS))
    assert all(chain[0] == Joint.WRIST for chain in FINGERS)
    assert Joint.PINKY_TIP == 20 and Joint.THUMB_CMC == 1


def test_side_other():
    assert Side.LEFT.other is Side.RIGHT and Side.RIGHT.other is Side.LEFT


def test_mirror_joints_px_matches_image_flip():
    image = np.zeros((40, 70), np.uint8)
    pts = np.array([[3.0, 5.0], [69.0, 0.0], [35.0, 39.0]])
    for x, y in pts.astype(int):
        image[y, x] = 1
    flipped = image[:, ::-1]
    mirrored = mirror_joints_px(pts, 70).astype(int)
    for x, y in mirrored:
        assert flipped[y, x] == 1
    np.testing.assert_allclose(mirror_joints_px(mirrored, 70), pts)


def test_mirror_joints_3d_flips_x_only():
    rng = np.random.default_rng(0)
    j = rng.normal(size=(21, 3))
    m = mirror_joints_3d(j)
    np.testing.assert_allclose(m[:, 0], -j[:, 0])
    np.testing.assert_allclose(m[:, 1:], j[:, 1:])
    np.testing.assert_allclose(mirror_joints_3d(m), j)
