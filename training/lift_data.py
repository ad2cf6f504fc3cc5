"""Vectorised synthetic training data of the lifter (seed 003 adaptation): clean hands in HDRM
crops, synthetic occluders, SHPE-like degradation.

Clean hands: shapes and articulations from the data engine's samplers
(:meth:`hdr_live.hand_model.skeleton.HandShape.sample`,
:func:`training.synth.pose_prior.sample_articulation`), drawn into banks (:data:`SHAPE_BANK`, :data:`ARTICULATION_BANK`)
and recombined with fresh angle jitter, posed by :func:`batched_joints` (the
same kinematics as :func:`hdr_live.hand_model.articulation.forward_kinematics`, batched). The
crop frame is a (mirrored-to-right) pinhole camera: every hand is a right hand (a mirrored left
hand is one). Orientation: half uniformly random (:func:`training.synth.interaction.
random_rotation`-like), half "person view" (fingers up-ish, palm or back to the camera with a
spread, as :func:`training.synth.framing.person_view` gives). Wrist depth 0.25–1.0 m, up to 25°
off axis, horizontal FOV 35–75° on a 640-px frame. The crop scale makes the 2D RMS spread
log-normal around :data:`SPREAD_MEDIAN_PX` (σ 0.2), set from the median that
:mod:`training.shpe_errors` measures on HDRM's amodal-box framing (in the weights' provenance); the crop centre is jittered by up to 15 % of its side.

Targets (seed 003 eq. 1): 2D in crop px, d_i = (z_i − z_root)/s with s = |J10 − J9| (metres).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.hand_model.articulation import ANGLE_HIGH, ANGLE_LOW, THUMB_TWIST_PER_FLEX
from hdr_live.hand_model.skeleton import HandShape, rest_frames, rest_skeleton
from hdr_live.joints import FINGERS
from training.synth.pose_prior import sample_articulation

CROP_PX = 256
SPREAD_MEDIAN_PX = 29.0
FRAME_W_PX = 640
#: Distinct hand shapes and articulations drawn with the data engine's (per-sample, slow)
#: samplers; hands combine a random shape with a random articulation plus fresh angle jitter.
SHAPE_BANK = 2000
ARTICULATION_BANK = 12000
ANGLE_JITTER_DEG = 4.0


@dataclasses.dataclass(frozen=True)
class CleanHands:
    """B clean hands in the crop frame.

    Attributes:
        joints_px: (B, 21, 2) float64 crop px. rel_m: (B, 21, 3) float64 wrist-relative metres,
            crop axes (x right, y down, z forward). rel_depth: (B, 21) float64 eq. (1).
        keybone_m: (B,) float64 |J10 − J9|. root_z_m: (B,) float64 wrist depth.
        focal_px, cx_px, cy_px: (B,) float64 the crop's intrinsics.
    """

    joints_px: np.ndarray
    rel_m: np.ndarray
    rel_depth: np.ndarray
    keybone_m: np.ndarray
    root_z_m: np.ndarray
    focal_px: np.ndarray
    cx_px: np.ndarray
    cy_px: np.ndarray

    def take(self, idx: np.ndarray) -> CleanHands:
        """Rows ``idx``."""
        return CleanHands(**{f.name: getattr(self, f.name)[idx] for f in dataclasses.fields(self)})


def _rx(deg: np.ndarray) -> np.ndarray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([o, z, z, z, c, -s, z, s, c], -1).reshape(deg.shape + (3, 3))


def _ry(deg: np.ndarray) -> np.ndarray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([c, z, s, z, o, z, -s, z, c], -1).reshape(deg.shape + (3, 3))


def _rz(deg: np.ndarray) -> np.ndarray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([c, -s, z, s, c, z, z, z, o], -1).reshape(deg.shape + (3, 3))


def batched_joints(bases: np.ndarray, lengths: np.ndarray, fingers_deg: np.ndarray) -> np.ndarray:
    """Forward kinematics of B right hands in the hand frame (unit scale), batched.

    Args:
        bases: (B, 5, 3) chain bases, metres. lengths: (B, 5, 3) segment lengths, metres.
        fingers_deg: (B, 5, 4) angles, see :mod:`hdr_live.hand_model.articulation`.

    Returns:
        (B, 21, 3) float64 joints, metres, equal to ``forward_kinematics(...).joints``.
    """
    b = bases.shape[0]
    frames = rest_frames()
    out = np.zeros((b, 21, 3))
    for f, chain in enumerate(FINGERS):
        bf, ab, mf, df = (fingers_deg[:, f, i] for i in range(4))
        twist = _ry(-THUMB_TWIST_PER_FLEX * bf) if f == 0 else np.broadcast_to(np.eye(3), (b, 3, 3))
        g = frames[f] @ twist @ _rz(ab) @ _rx(bf)
        pos = bases[:, f].copy()
        out[:, chain[1]] = pos
        for k, flex in enumerate((None, mf, df)):
            if flex is not None:
                g = g @ _rx(flex)
            pos = pos + g[:, :, 1] * lengths[:, f, k: k + 1]
            out[:, chain[k + 2]] = pos
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def random_rotations(n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 3, 3) hand→camera rotations, half uniform, half person-view-like (module docstring)."""
    q, r = np.linalg.qr(rng.normal(size=(n, 3, 3)))
    q = q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]
    q[np.linalg.det(q) < 0, :, 0] *= -1.0
    distal = _unit(np.array([0.0, -1.0, 0.25]) + rng.normal(0, 0.55, (n, 3)))
    palmar = _unit(np.where(rng.random((n, 1)) < 0.5, 1.0, -1.0) * np.array([0.0, 0.0, 1.0])
                   + rng.normal(0, 0.6, (n, 3)))
    palmar = _unit(palmar - (palmar * distal).sum(-1, keepdims=True) * distal)
    facing = np.stack([np.cross(distal, palmar), distal, palmar], axis=2)
    return np.where((rng.random(n) < 0.5)[:, None, None], q, facing)


def clean_hands(n: int, seed: int) -> CleanHands:
    """``n`` clean hands (see the module docstring); deterministic in ``seed``."""
    rng = np.random.default_rng([seed, 0x11F7])
    n_shapes, n_arts = min(n, SHAPE_BANK), min(n, ARTICULATION_BANK)
    bank_b, bank_l, bank_s = np.zeros((n_shapes, 5, 3)), np.zeros((n_shapes, 5, 3)), np.zeros(n_shapes)
    for i in range(n_shapes):
        shape = HandShape.sample(rng)
        rest = rest_skeleton(shape)
        bank_b[i], bank_l[i], bank_s[i] = rest.bases, rest.lengths, shape.scale
    bank_f = np.stack([sample_articulation(rng).fingers for _ in range(n_arts)])
    si, ai = rng.integers(0, n_shapes, n), rng.integers(0, n_arts, n)
    bases, lengths, scale = bank_b[si], bank_l[si], bank_s[si]
    fingers = np.clip(bank_f[ai] + rng.normal(0, ANGLE_JITTER_DEG, (n, 5, 4)), ANGLE_LOW, ANGLE_HIGH)
    joints = batched_joints(bases, lengths, fingers) * scale[:, None, None]
    rot = random_rotations(n, rng)
    rel = np.einsum("bij,bkj->bki", rot, joints)
    z = rng.uniform(0.25, 1.0, n)
    off = np.tan(np.radians(rng.uniform(0, 25, n)))
    ang = rng.uniform(0, 2 * np.pi, n)
    root = np.stack([z * off * np.cos(ang), z * off * np.sin(ang), z], 1)
    cam = rel + root[:, None]
    cam[..., 2] = np.maximum(cam[..., 2], 0.05)
    rel = cam - cam[:, :1]
    f_frame = (FRAME_W_PX / 2) / np.tan(np.radians(rng.uniform(35, 75, n)) / 2)
    uv = f_frame[:, None, None] * cam[..., :2] / cam[..., 2:]  # frame px about the principal point
    target = SPREAD_MEDIAN_PX * np.exp(rng.normal(0, 0.2, n))
    from hdr_live.lift.features import spread

    k = target / spread(uv)
    centre = 0.5 * (uv.min(axis=1) + uv.max(axis=1)) + rng.uniform(-0.15, 0.15, (n, 2)) * CROP_PX / k[:, None]
    c0 = (CROP_PX - 1) / 2.0
    px = k[:, None, None] * (uv - centre[:, None]) + c0
    principal = -k[:, None] * centre + c0
    keybone = np.linalg.norm(rel[:, 10] - rel[:, 9], axis=-1)
    return CleanHands(px, rel, rel[..., 2] / keybone[:, None], keybone, cam[:, 0, 2], k * f_frame,
                      principal[:, 0], principal[:, 1])


def occlude(joints_px: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Synthetic occluder visibility (B, 21) bool (True = visible).

    Per hand: 15 % none; 40 % a half-plane at a random direction through a uniformly drawn
    quantile of the joints' projections (so 0–21 joints hidden); 45 % a disc (the other hand's
    blob) centred near a random joint with radius 0.3–1.8 hand spreads.
    """
    from hdr_live.lift.features import spread

    b = joints_px.shape[0]
    kind = rng.choice(3, size=b, p=[0.15, 0.40, 0.45])
    th = rng.uniform(0, 2 * np.pi, b)
    proj = (joints_px * np.stack([np.cos(th), np.sin(th)], 1)[:, None]).sum(-1)
    rank = np.minimum((rng.uniform(0, 1.05, b) * 21).astype(int), 20)
    cut = np.sort(proj, axis=1)[np.arange(b), rank][:, None]
    cut = np.where((rank == 0)[:, None] & (rng.random((b, 1)) < 0.5), -np.inf, cut)
    half = proj <= cut
    r = spread(joints_px)
    centre = joints_px[np.arange(b), rng.integers(0, 21, b)] + rng.normal(0, 0.3, (b, 2)) * r[:, None]
    disc = np.linalg.norm(joints_px - centre[:, None], axis=-1) < (rng.uniform(0.3, 1.8, b) * r)[:, None]
    hidden = np.where(kind[:, None] == 1, half, np.where(kind[:, None] == 2, disc, False))
    return ~hidden
