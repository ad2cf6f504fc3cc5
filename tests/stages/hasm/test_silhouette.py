import numpy as np

from hdr_live.joints import Side
from hdr_live.types import HandGeometry
from hdr_live.stages.hasm.silhouette import masks_from_joints
from hdr_live.types import Hands


def _flat_hand(center, px_per_m, z_offset=0.0):
    """A flat open hand facing the camera: joints in metres then projected at a scale."""
    rel = np.zeros((21, 3))
    for f, x in enumerate(np.linspace(-0.035, 0.035, 5)):
        for k in range(4):
            rel[1 + 4 * f + k] = (x, -0.03 - 0.025 * k - (0.02 if f else 0), z_offset)
    rel[0] = (0, 0.04, 0)
    rel -= rel[0]
    px = rel[:, :2] * px_per_m + np.asarray(center)
    return HandGeometry(px, rel)


def test_visible_within_amodal_and_disjoint():
    near = _flat_hand((150, 150), 1500.0)
    far = _flat_hand((190, 150), 900.0)
    masks = masks_from_joints(Hands(left=far, right=near), 300, 400)
    for side in Side:
        assert masks.amodal(side).any()
        assert not (masks.visible(side) & ~masks.amodal(side)).any()
    assert not (masks.left_visible & masks.right_visible).any()


def test_nearer_hand_owns_the_overlap():
    near = _flat_hand((150, 150), 1500.0)  # bigger in the image -> nearer
    far = _flat_hand((190, 150), 900.0)
    masks = masks_from_joints(Hands(left=far, right=near), 300, 400)
    overlap = masks.left_amodal & masks.right_amodal
    assert overlap.sum() > 100
    assert masks.right_visible[overlap].all()
    # swap which one is near: the overlap changes owner
    near_l = _flat_hand((190, 150), 1500.0)
    far_r = _flat_hand((150, 150), 900.0)
    swapped = masks_from_joints(Hands(left=near_l, right=far_r), 300, 400)
    ov2 = swapped.left_amodal & swapped.right_amodal
    assert swapped.left_visible[ov2].all()


def test_silhouette_width_scales_with_hand_size():
    small = masks_from_joints(Hands(right=_flat_hand((300, 400), 800.0)), 600, 600)
    big = masks_from_joints(Hands(right=_flat_hand((300, 400), 1600.0)), 600, 600)
    ratio = big.right_amodal.sum() / small.right_amodal.sum()
    assert 3.0 < ratio < 5.0  # area grows with the square of the scale


def test_no_hands_gives_empty_masks():
    masks = masks_from_joints(Hands(), 10, 12)
    assert masks.right_amodal.shape == (10, 12) and not masks.right_amodal.any()
