"""HASM training examples from synthetic samples: region crop, degraded joint prior, targets.

The joint prior is degraded like a real tracker's output (project design, see
``hdr_live.models.prior``): per-joint jitter, a global shift/scale/rotation, dropped fingers, a
missing hand, occasionally the two hands' priors swapped. The input region is chosen the way the
inference stage chooses it (around the prior hands), with extra scale/shift jitter.
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from hdr_live.geometry import Roi, apply_affine, crop_affine, invert_affine, warp_crop
from hdr_live.joints import FINGERS, Joint, hand_scale_px
from hdr_live.models.hasm_net import HasmSpec, normalise_input
from hdr_live.models.prior import SIDE_ORDER, render_prior
from hdr_live.pipeline import joint_visibility
from hdr_live.stages.hasm.learned import region_for_prior
from hdr_live.types import Hands
from training.synth.sample import SynthSample


@dataclasses.dataclass(frozen=True)
class PriorNoise:
    """How the training prior is degraded (probabilities per hand unless said otherwise).

    Attributes:
        joint_std: per-joint Gaussian jitter, in hand sizes (wrist→middle MCP).
        shift_std: whole-hand shift, in hand sizes.
        scale_std: whole-hand relative scale change.
        rot_std_deg: whole-hand in-plane rotation, degrees.
        drop_finger_prob: each finger's joints (but the wrist) replaced by its MCP, i.e. lost.
        missing_prob: the hand has no prior.
        swap_prob: per sample, the right and left priors are exchanged.
        misplaced_prob: the hand's prior lies off both hands (:func:`misplace_prior`), like a
            detector's false positive on a face, body, sleeve or the background; the targets
            stay the true masks, so the network learns to put no hand where the image shows
            none, and to find the hand the prior missed.
    """

    joint_std: float = 0.06
    shift_std: float = 0.12
    scale_std: float = 0.08
    rot_std_deg: float = 8.0
    drop_finger_prob: float = 0.08
    missing_prob: float = 0.12
    swap_prob: float = 0.03
    misplaced_prob: float = 0.12


def degrade_joints(joints_px: np.ndarray, rng: np.random.Generator, noise: PriorNoise) -> np.ndarray:
    """One hand's joints (21, 2) px with tracker-like errors (see :class:`PriorNoise`)."""
    scale = max(hand_scale_px(joints_px), 2.0)
    centre = joints_px.mean(axis=0)
    angle = math.radians(rng.normal(0.0, noise.rot_std_deg))
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    s = 1.0 + rng.normal(0.0, noise.scale_std)
    out = (joints_px - centre) @ rot.T * s + centre + rng.normal(0.0, noise.shift_std * scale, 2)
    out = out + rng.normal(0.0, noise.joint_std * scale, out.shape)
    for chain in FINGERS:
        if rng.random() < noise.drop_finger_prob:
            out[list(chain[2:])] = out[chain[1]]
    return out


def misplace_prior(joints_px: np.ndarray, sample: SynthSample, rng: np.random.Generator,
                   tries: int = 20) -> np.ndarray | None:
    """A hand's prior moved off both hands of ``sample``.

    The joints (21, 2) px are shifted by 1.2–3 hand sizes in a random direction; a place is
    accepted when at least 70 % of the joints lie in the image and at most 5 % on either hand's
    amodal mask.

    Returns:
        The moved (21, 2) joints, or None when ``tries`` random places all failed.
    """
    hands = sample.right.amodal | sample.left.amodal
    image = np.ones_like(hands)
    scale = max(hand_scale_px(joints_px), 2.0)
    for _ in range(tries):
        angle = rng.uniform(0.0, 2.0 * math.pi)
        moved = joints_px + rng.uniform(1.2, 3.0) * scale * np.array([math.cos(angle), math.sin(angle)])
        inside = joint_visibility(moved, image).sum()
        if inside >= 0.7 * len(moved) and joint_visibility(moved, hands).sum() <= 0.05 * inside:
            return moved
    return None


def noisy_prior(sample: SynthSample, rng: np.random.Generator, noise: PriorNoise) -> Hands[np.ndarray]:
    """The degraded prior of both hands of ``sample`` (see :class:`PriorNoise`)."""
    prior = Hands()
    for side in SIDE_ORDER:
        if rng.random() >= noise.missing_prob:
            joints = degrade_joints(sample.hand(side).joints_px, rng, noise)
            if noise.misplaced_prob > 0.0 and rng.random() < noise.misplaced_prob:
                moved = misplace_prior(joints, sample, rng)
                joints = joints if moved is None else moved
            prior = prior.with_side(side, joints)
    if rng.random() < noise.swap_prob:
        prior = Hands(left=prior.right, right=prior.left)
    return prior


def hand_only(mask: np.ndarray, joints_px: np.ndarray) -> np.ndarray:
    """Cut the forearm off an amodal/visible mask that includes it.

    Removes pixels more than 0.25 hand sizes behind the wrist along the wrist→middle-MCP axis
    that are also farther than 0.6 hand sizes from every joint but the wrist.

    Args:
        mask: (S, S) bool.
        joints_px: (21, 2) joints of the same hand, in the mask's pixels.
    """
    scale = max(hand_scale_px(joints_px), 2.0)
    axis = joints_px[Joint.MIDDLE_MCP] - joints_px[Joint.WRIST]
    axis = axis / max(np.linalg.norm(axis), 1e-6)
    h, w = mask.shape
    ys, xs = np.mgrid[0:h, 0:w]
    behind = (xs - joints_px[Joint.WRIST, 0]) * axis[0] + (ys - joints_px[Joint.WRIST, 1]) * axis[1]
    seeds = np.ones((h, w), np.uint8)
    ij = np.round(joints_px[1:]).astype(int)
    inside = (ij[:, 0] >= 0) & (ij[:, 0] < w) & (ij[:, 1] >= 0) & (ij[:, 1] < h)
    seeds[ij[inside, 1], ij[inside, 0]] = 0
    if not inside.any():
        return mask.copy()
    dist = cv2.distanceTransform(seeds, cv2.DIST_L2, 3)
    return mask & ~((behind < -0.25 * scale) & (dist > 0.6 * scale))


def hasm_example(
    sample: SynthSample, spec: HasmSpec, rng: np.random.Generator, noise: PriorNoise
) -> tuple[np.ndarray, np.ndarray]:
    """One training pair.

    Returns:
        x: (C, S, S) float32 network input (RGB normalised, then the prior channels).
        y: (4, S, S) float32 {0, 1} targets: right amodal, right visible, left amodal, left
            visible (forearms cut off, visible ⊆ amodal).
    """
    prior = noisy_prior(sample, rng, noise)
    gt = Hands(left=sample.left.joints_px, right=sample.right.joints_px)
    region = region_for_prior(prior if len(prior) else gt, spec.region_context)
    region = Roi(
        (region.center_xy[0] + rng.normal(0, 0.05) * region.size_px,
         region.center_xy[1] + rng.normal(0, 0.05) * region.size_px),
        region.size_px * math.exp(rng.normal(0.0, 0.12)),
    )
    s = spec.input_px
    to_frame = crop_affine(region, s)
    rgb = warp_crop(sample.image, to_frame, s)
    prior_maps = (render_prior(prior, invert_affine(to_frame), s, spec.prior_style)
                  if spec.uses_prior else None)
    x = normalise_input(rgb, prior_maps, spec)
    targets = []
    frame_to_input = invert_affine(to_frame)
    for side in SIDE_ORDER:
        hand = sample.hand(side)
        joints_in = apply_affine(frame_to_input, hand.joints_px)
        amodal = hand_only(warp_crop(hand.amodal, to_frame, s), joints_in)
        visible = hand_only(warp_crop(hand.visible, to_frame, s), joints_in) & amodal
        targets += [amodal, visible]
    y = np.stack(targets).astype(np.float32)
    if not np.isfinite(x).all():
        raise ValueError(f"non-finite input for sample {sample.seed}/{sample.index}")
    return x.astype(np.float32), y
