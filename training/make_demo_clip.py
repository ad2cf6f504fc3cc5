"""Make the bundled demo clip ``assets/demo_two_hands.mp4`` with the procedural hand renderer.

A person faces the camera (un-mirrored view: their right hand is on the image left) and holds
both hands up, palms towards the camera, forearms entering from the bottom edge. The hands move
towards each other, overlap (the right hand in front) and separate again. Everything in the
clip is generated here (no third-party footage). Deterministic for a given ``--seed``.

Usage::

    python -m training.make_demo_clip --out assets/demo_two_hands.mp4 --seed 0
"""

from __future__ import annotations

import argparse
import dataclasses
import pathlib

import av
import cv2
import numpy as np

from hdr_live.joints import Side
from hdr_live.hand_model.articulation import HandArticulation
from training.synth.backgrounds import room_with_torso
from training.synth.camera import Camera
from training.synth.hand_mesh import HandMesh, build_hand_mesh
from training.synth.render import compose, downsample, nearest_owner, render_layers
from training.synth.shading import Lights
from hdr_live.hand_model.skeleton import HandShape
from training.synth.skin import SkinMaterial, Sleeve, linear_to_srgb, sleeve_inflation, srgb_to_linear
from training.synth.skinning import Placement, PosedHand, facing_rotation, pose_hand


@dataclasses.dataclass(frozen=True)
class ClipSpec:
    """What the clip looks like.

    Attributes:
        frames: number of frames. fps: frame rate. width, height: pixels.
        seed: random seed for appearance. supersample: rays per pixel side.
    """

    frames: int = 90
    fps: int = 30
    width: int = 640
    height: int = 480
    seed: int = 0
    supersample: int = 2


@dataclasses.dataclass(frozen=True)
class Actor:
    """The person's fixed appearance: one hand mesh, skin, shirt and lighting."""

    mesh: HandMesh
    skin: tuple[SkinMaterial, SkinMaterial]
    shirt_srgb: np.ndarray
    lights: Lights
    background_lin: np.ndarray


def _smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


def contact_amount(t: float) -> float:
    """How far into the overlap the hands are at normalised time ``t`` in [0, 1] (0 apart, 1 overlapping)."""
    return _smoothstep((t - 0.22) / 0.16) * (1 - _smoothstep((t - 0.62) / 0.16))


def make_actor(spec: ClipSpec) -> Actor:
    """Build the actor (mesh, skin, shirt, lights, background) for ``spec.seed``."""
    rng = np.random.default_rng(spec.seed)
    shirt = np.array([0.16, 0.24, 0.42]) * rng.uniform(0.8, 1.2, 3)
    sleeve = Sleeve(start_m=0.13, rgb=srgb_to_linear(shirt), thickness_m=0.007)
    tone = float(rng.uniform(2.0, 4.5))
    skin = tuple(
        dataclasses.replace(SkinMaterial.from_monk(tone, int(rng.integers(1 << 30)), sleeve), redness=0.5)
        for _ in range(2)
    )
    key = np.array([-0.45, -0.7, -0.75])
    lights = Lights(
        key / np.linalg.norm(key),
        np.array([1.25, 1.18, 1.08]),
        np.array([0.32, 0.34, 0.38]),
        np.array([0.12, 0.1, 0.09]),
        wrap=0.35,
        softness=0.1,
    )
    h, w = spec.height * spec.supersample, spec.width * spec.supersample
    bg = srgb_to_linear(room_with_torso(h, w, rng, shirt)).astype(np.float32)
    mesh = build_hand_mesh(HandShape(scale=1.0, finger_width=1.05))
    return Actor(mesh, skin, shirt, lights, bg)  # type: ignore[arg-type]


def hand_articulation(side: Side, t: float, contact: float) -> HandArticulation:
    """Open, spread fingers that curl a little while the hands overlap, with a slow wiggle."""
    phase = 0.0 if side is Side.RIGHT else 1.3
    wiggle = np.sin(2 * np.pi * (1.5 * t) + phase + np.arange(5))
    fingers = np.zeros((5, 4))
    fingers[1:, 0] = 6 + 4 * wiggle[1:] + contact * (22 if side is Side.RIGHT else 8)
    fingers[1:, 1] = np.array([-7, 0, 5, 11]) * (1 - 0.4 * contact)
    fingers[1:, 2] = 8 + 5 * wiggle[1:] + contact * (30 if side is Side.RIGHT else 10)
    fingers[1:, 3] = 0.7 * fingers[1:, 2]
    fingers[0] = [-12 + 5 * wiggle[0], -5, 8, 8]
    return HandArticulation(fingers, np.array([5.0 * np.sin(2 * np.pi * t), 0.0])).clipped()


def hand_placement(side: Side, t: float, contact: float) -> Placement:
    """Wrist position and orientation: fingers up, palm to the camera, moving to the centre."""
    sign = -1.0 if side is Side.RIGHT else 1.0  # the person's right hand is on the image left
    x = sign * (0.175 - 0.145 * contact)
    y = 0.075 + 0.012 * np.sin(2 * np.pi * t + (0 if side is Side.RIGHT else 1.0))
    z = 0.56 if side is Side.RIGHT else 0.6
    tilt = np.radians(10 + 14 * contact + 4 * np.sin(2 * np.pi * 0.8 * t))
    yaw = np.radians(12 * np.sin(2 * np.pi * 0.7 * t + (0.5 if side is Side.RIGHT else 2.0)))
    distal = np.array([-sign * np.sin(tilt), -np.cos(tilt), 0.0])
    palmar = np.array([np.sin(yaw), 0.15, -np.cos(yaw)])
    return Placement(facing_rotation(distal, palmar), np.array([x, y, z]))


def render_frame(actor: Actor, spec: ClipSpec, camera: Camera, index: int) -> np.ndarray:
    """Render frame ``index`` as (H, W, 3) uint8 RGB."""
    t = index / max(spec.frames - 1, 1)
    c = contact_amount(t)
    hands: list[PosedHand] = []
    for side, mat in zip((Side.RIGHT, Side.LEFT), actor.skin):
        inflate = sleeve_inflation(actor.mesh.coords.forearm_s, mat.sleeve)
        hands.append(
            pose_hand(actor.mesh, hand_articulation(side, t, c), side, hand_placement(side, t, c), inflate)
        )
    layers = render_layers(hands, list(actor.skin), actor.lights, camera, spec.supersample)
    lin = compose(actor.background_lin, layers, nearest_owner(layers))
    srgb = linear_to_srgb(downsample(lin, spec.supersample))
    srgb = cv2.GaussianBlur(srgb.astype(np.float32), (0, 0), 0.6)
    noise = np.random.default_rng(spec.seed * 100_003 + index).normal(0, 1.5 / 255, srgb.shape)
    return (np.clip(srgb + noise, 0, 1) * 255 + 0.5).astype(np.uint8)


def write_clip(spec: ClipSpec, out: pathlib.Path) -> None:
    """Render every frame and encode H.264 (libx264, yuv420p) with PyAV.

    Args:
        spec: clip parameters.
        out: output .mp4 path (parent folders are created).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    camera = Camera.from_fov(spec.width, spec.height, 60.0)
    actor = make_actor(spec)
    with av.open(str(out), mode="w") as container:
        stream = container.add_stream("libx264", rate=spec.fps)
        stream.width, stream.height, stream.pix_fmt = spec.width, spec.height, "yuv420p"
        stream.options = {"crf": "20", "preset": "medium", "threads": "1"}
        for i in range(spec.frames):
            frame = av.VideoFrame.from_ndarray(render_frame(actor, spec, camera, i), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("assets/demo_two_hands.mp4"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frames", type=int, default=90)
    parser.add_argument("--supersample", type=int, default=2)
    args = parser.parse_args(argv)
    write_clip(ClipSpec(frames=args.frames, seed=args.seed, supersample=args.supersample), args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
