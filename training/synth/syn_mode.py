"""AIH_Syn-like samples (HDR paper §4): a single hand cut by its amodal mask and pasted over
another single-hand image of the other side, with random scale, rotation and colour jitter.

Both single-hand shots are rendered here, so the ground truth is exact: the base hand's target
is the base shot itself, the pasted hand's target is the pasted hand over the base *background*
(base hand removed). 3D joints of the pasted hand are moved with the 2D similarity by a
weak-perspective approximation and flagged ``joints_3d_exact=False``.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from hdr_live.joints import Side
from training.synth.assemble import Joints, Layers, assemble
from training.synth.camera import Camera
from training.synth.framing import frame_points, person_view, to_camera
from training.synth.interaction import random_rotation
from training.synth.mesh_bank import person_mesh
from training.synth.paste import centroid, random_similarity
from training.synth.pose_prior import sample_articulation
from training.synth.render import downsample, render_layers
from training.synth.render_mode import RenderOptions, sample_background
from training.synth.sample import SampleSource, SynthSample
from training.synth.shading import Lights
from training.synth.skin import SkinMaterial, sleeve_inflation, srgb_to_linear
from training.synth.skinning import Placement, pose_hand


@dataclasses.dataclass(frozen=True)
class Shot:
    """One rendered single hand on its background, final resolution, linear RGB.

    Attributes:
        side: the person's hand. camera: intrinsics.
        image: (S, S, 3) float32 hand over background. background: (S, S, 3) float32 without it.
        premult: (S, S, 3) float32 hand colour times coverage. coverage: (S, S) float32.
        joints: its joints.
    """

    side: Side
    camera: Camera
    image: np.ndarray
    background: np.ndarray
    premult: np.ndarray
    coverage: np.ndarray
    joints: Joints


def render_shot(
    side: Side, seed: int, rng: np.random.Generator, mat: SkinMaterial, shape_id: int, opts: RenderOptions
) -> Shot:
    """Render one hand of ``side`` with a random pose, view and background.

    Args:
        side: which hand. seed: dataset seed (selects the mesh bank). rng: generator (consumed).
        mat: skin material. shape_id: bank shape. opts: size/supersample/FOV options.

    Returns:
        The :class:`Shot`.
    """
    mesh = person_mesh(seed, shape_id, float(np.clip(rng.normal(1.0, 0.07), 0.82, 1.18)))
    hand = pose_hand(
        mesh,
        sample_articulation(rng),
        side,
        Placement(random_rotation(rng), np.zeros(3)),
        sleeve_inflation(mesh.coords.forearm_s, mat.sleeve),
    )
    camera = Camera.from_fov(opts.size, opts.size, float(rng.uniform(*opts.hfov_deg)))
    forward, down = person_view((hand,), rng)
    rot, centre = frame_points(
        hand.joints, camera, forward, down, float(rng.uniform(0.35, 0.6)), rng.normal(0, 0.05 * opts.size, 2)
    )
    hand = to_camera(hand, rot, centre)
    ss = opts.supersample
    layer = render_layers([hand], [mat], Lights.sample(rng), camera, ss)[0]
    cov_ss = layer.hits.hit.astype(np.float32)
    bg = srgb_to_linear(sample_background(opts.size * ss, rng)).astype(np.float32)
    premult = downsample(layer.rgb * cov_ss[..., None], ss)
    cov = downsample(cov_ss, ss)
    bg_small = downsample(bg, ss)
    image = bg_small * (1 - cov[..., None]) + premult
    return Shot(
        side, camera, image, bg_small, premult, cov, Joints(camera.project(hand.joints), hand.joints.copy())
    )


def move_joints(joints: Joints, affine: np.ndarray, src_cam: Camera, dst_cam: Camera) -> Joints:
    """Apply a 2D similarity to a hand's joints.

    Pixels are mapped exactly. 3D (weak perspective): wrist-relative offsets are rotated about
    the optical axis by the image rotation; the wrist is moved to depth ``z / scale`` on the ray
    through its new pixel. The result is flagged inexact.

    Args:
        joints: source joints. affine: (2, 3) similarity. src_cam, dst_cam: intrinsics.

    Returns:
        The moved :class:`Joints`.
    """
    px = joints.px @ affine[:, :2].T + affine[:, 2]
    scale = float(np.sqrt(abs(np.linalg.det(affine[:, :2]))))
    ang = np.arctan2(affine[1, 0], affine[0, 0])
    rot = np.array([[np.cos(ang), -np.sin(ang), 0], [np.sin(ang), np.cos(ang), 0], [0, 0, 1.0]])
    rel = (joints.cam_m - joints.cam_m[0]) @ rot.T
    z = joints.cam_m[0, 2] * src_cam.fx / dst_cam.fx / scale
    wrist = np.array([(px[0, 0] - dst_cam.cx) * z / dst_cam.fx, (px[0, 1] - dst_cam.cy) * z / dst_cam.fy, z])
    return Joints(px, rel + wrist, exact_3d=False)


def _jitter_colour(premult: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    gains = np.exp(rng.normal(0, [0.08, 0.06, 0.08]) + rng.normal(0, 0.15))
    return (premult * gains).astype(np.float32)


def syn_sample(seed: int, index: int, opts: RenderOptions = RenderOptions()) -> SynthSample:
    """Make AIH_Syn-like sample ``index`` of the dataset with seed ``seed``.

    Args:
        seed: dataset seed. index: sample index. opts: size, supersample and mask options.

    Returns:
        The :class:`SynthSample` (source ``SYN``), byte-identical for the same arguments.
    """
    rng = np.random.default_rng([seed, index, 0x5E])
    base_side = Side.RIGHT if rng.random() < 0.5 else Side.LEFT
    mat = SkinMaterial.sample(rng)
    same = rng.random() < 0.8  # "two hands with similar texture" (paper §4)
    shape_ids = (
        [int(rng.integers(opts.bank_size))] * 2
        if same
        else [int(i) for i in rng.integers(opts.bank_size, size=2)]
    )
    mat_d = dataclasses.replace(mat, seed=mat.seed + 1) if same else SkinMaterial.sample(rng)
    base = render_shot(base_side, seed, rng, mat, shape_ids[0], opts)
    donor = render_shot(base_side.other, seed, rng, mat_d, shape_ids[1], opts)
    m = random_similarity(centroid(donor.coverage > 0.5), centroid(base.coverage > 0.5), opts.size, rng)
    size = (opts.size, opts.size)
    alpha = cv2.warpAffine(donor.coverage, m, size, flags=cv2.INTER_LINEAR)
    premult = cv2.warpAffine(_jitter_colour(donor.premult, rng), m, size, flags=cv2.INTER_LINEAR)
    image = base.image * (1 - alpha[..., None]) + premult
    donor_target = base.background * (1 - alpha[..., None]) + premult
    base_visible = base.coverage * (1 - alpha)
    moved = move_joints(donor.joints, m, donor.camera, base.camera)
    by_side = {
        base_side: (base.image, base.coverage, base_visible, base.joints),
        base_side.other: (donor_target, alpha, alpha, moved),
    }
    r, l = by_side[Side.RIGHT], by_side[Side.LEFT]
    layers = Layers(image.astype(np.float32), (r[0], l[0]), (r[1], l[1]), (r[2], l[2]))
    return assemble(
        layers,
        (r[3], l[3]),
        base.camera,
        opts.degradation(rng),
        opts.mask_threshold,
        SampleSource.SYN,
        seed,
        index,
    )
