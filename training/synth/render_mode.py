"""AIH_Render-like samples (HDR paper §4): two interacting hands ray cast together.

For each sample: a person (hand shape from the bank, skin, optional sleeves), an interacting
pair (:mod:`training.synth.interaction`), a camera framing the pair, lighting, a background,
then per-hand layers (:mod:`training.synth.render`) composed into the input image, the four
masks and the two targets I_o*, and the same degradations applied to all three images.
Deterministic: ``render_sample(seed, index, options)`` always gives the same bytes.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from training.synth.assemble import Joints, Layers, assemble
from training.synth.backgrounds import photo_crop, procedural_texture, room_with_torso
from training.synth.camera import Camera
from training.synth.degrade import Degradation
from training.synth.distractors import add_distractors
from training.synth.framing import frame_points, person_view, to_camera
from training.synth.interaction import sample_pair
from training.synth.mesh_bank import person_mesh
from training.synth.raycast import Hits
from training.synth.render import compose, downsample, nearest_owner, render_layers
from training.synth.sample import SampleSource, SynthSample
from training.synth.shading import Lights
from training.synth.skin import SkinMaterial, srgb_to_linear
from training.synth.skinning import PosedHand


@dataclasses.dataclass(frozen=True)
class RenderOptions:
    """Options of the AIH_Render-like mode.

    Attributes:
        size: output side in pixels (square images).
        supersample: rays per pixel side (1 = one ray through each pixel centre).
        bank_size: number of hand shapes per dataset.
        hfov_deg: range of horizontal field of view, degrees.
        fill: range of (hands' joint box side / image side).
        same_person_prob: probability that both hands share shape and skin.
        min_amodal_px: a hand must cover at least this many pixels or the sample is redrawn.
        max_attempts: redraws before giving up (raises RuntimeError).
        mask_threshold: a pixel belongs to a hand's mask when at least this share of its colour
            comes from the hand (after blur); 0.5 = plain coverage for sharp images.
        degrade: apply camera degradations (blur, noise, JPEG, colour); False gives sharp,
            exact images (used by tests).
    """

    size: int = 256
    supersample: int = 1
    bank_size: int = 8
    hfov_deg: tuple[float, float] = (35.0, 75.0)
    fill: tuple[float, float] = (0.55, 0.95)
    same_person_prob: float = 0.85
    min_amodal_px: int = 120
    max_attempts: int = 8
    mask_threshold: float = 0.12
    degrade: bool = True

    def degradation(self, rng: np.random.Generator) -> Degradation:
        """A random :class:`Degradation`, or the identity when ``degrade`` is False."""
        return Degradation.sample(rng) if self.degrade else Degradation()


@dataclasses.dataclass(frozen=True)
class _Scene:
    camera: Camera
    hands: tuple[PosedHand, PosedHand]
    materials: tuple[SkinMaterial, SkinMaterial]
    lights: Lights


def sample_background(size: int, rng: np.random.Generator) -> np.ndarray:
    """A random background (photo crop, procedural texture or room with torso) with distractors.

    Returns:
        (size, size, 3) float32 sRGB in [0, 1].
    """
    u = rng.random()
    img = photo_crop(size, size, rng) if u < 0.3 else None
    if img is None:
        shirt = rng.uniform(0.05, 0.8, 3) * rng.uniform(0.4, 1.0)
        img = procedural_texture(size, size, rng) if u < 0.6 else room_with_torso(size, size, rng, shirt)
    if rng.random() < 0.4:
        img = add_distractors(img, rng)
    return img


def _people(
    seed: int, rng: np.random.Generator, opts: RenderOptions
) -> tuple[tuple, tuple[SkinMaterial, SkinMaterial]]:
    same = rng.random() < opts.same_person_prob
    ids = [int(rng.integers(opts.bank_size))] * 2 if same else list(rng.integers(opts.bank_size, size=2))
    scales = [float(np.clip(rng.normal(1.0, 0.07), 0.82, 1.18))] * 2
    if not same:
        scales[1] = float(np.clip(rng.normal(1.0, 0.07), 0.82, 1.18))
    meshes = tuple(person_mesh(seed, int(i), s) for i, s in zip(ids, scales))
    mat_r = SkinMaterial.sample(rng)
    mat_l = dataclasses.replace(mat_r, seed=mat_r.seed + 1) if same else SkinMaterial.sample(rng)
    return meshes, (mat_r, mat_l)


def _scene(seed: int, rng: np.random.Generator, opts: RenderOptions) -> _Scene:
    meshes, mats = _people(seed, rng, opts)
    pair = sample_pair(meshes, (mats[0].sleeve, mats[1].sleeve), rng)
    camera = Camera.from_fov(opts.size, opts.size, float(rng.uniform(*opts.hfov_deg)))
    forward, down = person_view((pair.right, pair.left), rng)
    points = np.concatenate([pair.right.joints, pair.left.joints])
    rot, centre = frame_points(
        points, camera, forward, down, float(rng.uniform(*opts.fill)), rng.normal(0, 0.06 * opts.size, 2)
    )
    hands = (to_camera(pair.right, rot, centre), to_camera(pair.left, rot, centre))
    return _Scene(camera, hands, mats, Lights.sample(rng))


def _attempt(
    seed: int, index: int, rng: np.random.Generator, opts: RenderOptions
) -> tuple[SynthSample, tuple[Hits, Hits]] | None:
    scene = _scene(seed, rng, opts)
    if min(h.vertices[:, 2].min() for h in scene.hands) < 0.05:
        return None
    ss = opts.supersample
    layers = render_layers(list(scene.hands), list(scene.materials), scene.lights, scene.camera, ss)
    owner = nearest_owner(layers)
    amodal_cov = tuple(downsample(l.hits.hit.astype(np.float32), ss) for l in layers)
    if min(float(c.sum()) for c in amodal_cov) < opts.min_amodal_px:
        return None
    visible_cov = tuple(downsample((owner == i).astype(np.float32), ss) for i in range(2))
    bg = srgb_to_linear(sample_background(opts.size * ss, rng)).astype(np.float32)
    image = downsample(compose(bg, layers, owner), ss)
    targets = tuple(
        downsample(compose(bg, layers, nearest_owner(layers, [i == k for k in range(2)])), ss)
        for i in range(2)
    )
    joints = tuple(Joints(scene.camera.project(h.joints), h.joints.copy()) for h in scene.hands)
    sample = assemble(
        Layers(image, targets, amodal_cov, visible_cov),
        joints,
        scene.camera,  # type: ignore[arg-type]
        opts.degradation(rng),
        opts.mask_threshold,
        SampleSource.RENDER,
        seed,
        index,
    )
    return sample, (layers[0].hits, layers[1].hits)


def render_with_hits(
    seed: int, index: int, opts: RenderOptions = RenderOptions()
) -> tuple[SynthSample, tuple[Hits, Hits]]:
    """Like :func:`render_sample`, also returning the ray hits of (right, left) cast alone.

    The hits are on the supersampled ray grid ((S*s, S*s)); with ``supersample=1`` they align
    with the sample's pixels.

    Raises:
        RuntimeError: no acceptable sample in ``opts.max_attempts`` draws.
    """
    rng = np.random.default_rng([seed, index, 0xA1])
    for _ in range(opts.max_attempts):
        result = _attempt(seed, index, rng, opts)
        if result is not None:
            return result
    raise RuntimeError(f"no acceptable render sample for seed={seed} index={index}")


def render_sample(seed: int, index: int, opts: RenderOptions = RenderOptions()) -> SynthSample:
    """Make AIH_Render-like sample ``index`` of the dataset with seed ``seed``.

    Args:
        seed: dataset seed. index: sample index (>= 0).
        opts: options.

    Returns:
        The :class:`SynthSample` (source ``RENDER``), byte-identical for the same arguments.

    Raises:
        RuntimeError: no acceptable sample in ``opts.max_attempts`` draws.
    """
    return render_with_hits(seed, index, opts)[0]
