"""Real-appearance occlusion samples (the AIH_Syn protocol of the HDR paper §4 on real footage).

From real frames where a hand is fully visible and MediaPipe's landmark network is confident, a
real hand cut from *another* frame (GrabCut seeded by its landmarks,
:func:`training.synth.real_cutout.grabcut_hand_mask`) is pasted over the target, mirrored to
the other side, scaled to the target's size and turned, at an offset chosen so that the two
amodal masks overlap by a drawn fraction of the target's amodal mask (10–60 %):

- ``front`` (the pasted hand in front): the target is occluded; its visible mask is its amodal
  mask less the pasted hand.
- ``behind`` (the pasted hand behind the target): the target stays whole (an unoccluded target
  with the other hand in its crop); the pasted hand is seen where the target is not.

Each sample is a square window around the target, rescaled so that the target's amodal box has
a fixed longer side (:data:`TARGET_BOX_PX`), with the clean window (the ceiling), exact masks
and the target's 21 joints found on the clean frame (pseudo ground truth).

Only evaluation media are used (never training data): frames of ``../shared/real``'s clip where
the hands are apart and ``../shared/dev_real`` photos with a confident hand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from hdr_live.hand_masks import HandMasks
from hdr_live.joints import Side, hand_scale_px, mirror_joints_px
from hdr_live.types import Hands

#: the target's amodal box, longer side, in sample pixels
TARGET_BOX_PX = 120
#: the sample window's side in pixels
WINDOW_PX = 448
#: overlap bins (fraction of the target's amodal mask covered by the other hand's amodal mask)
OVERLAP_BINS = ((0.10, 0.25), (0.25, 0.40), (0.40, 0.60))


@dataclasses.dataclass(frozen=True)
class SourceHand:
    """A confident, fully visible hand of an evaluation frame.

    Attributes:
        source: file name (and frame index for clips).
        image: (H, W, 3) uint8 RGB frame.
        side: the person's hand. joints_px: (21, 2) float64 landmark pixels in ``image``.
        mask: (H, W) bool hand mask (GrabCut from the landmarks).
    """

    source: str
    image: np.ndarray
    side: Side
    joints_px: np.ndarray
    mask: np.ndarray


@dataclasses.dataclass(frozen=True)
class OcclusionSample:
    """One real-appearance sample (all arrays in the WINDOW_PX-square sample window).

    Attributes:
        name: target source / donor source.
        depth: "front" (the other hand occludes the target) or "behind" (it is hidden by it).
        overlap_bin: the overlap bin it was drawn for, e.g. "10-25%".
        overlap: |target amodal ∩ other amodal| / |target amodal|.
        image: (S, S, 3) uint8 composite. clean: (S, S, 3) uint8 the window without the paste.
        side: the target's side. joints_px: (21, 2) float64 target joints (pseudo ground truth).
        other_joints_px: (21, 2) float64 the pasted hand's landmarks moved with it.
        masks: the exact four masks (the target and the pasted hand as the other side).
        occluded_frac: the share of the target's amodal mask hidden (0 when ``behind``).
    """

    name: str
    depth: str
    overlap_bin: str
    overlap: float
    image: np.ndarray
    clean: np.ndarray
    side: Side
    joints_px: np.ndarray
    other_joints_px: np.ndarray
    masks: HandMasks
    occluded_frac: float


def _window_affine(hand: SourceHand) -> np.ndarray:
    """(2, 3) frame → window similarity putting the hand's mask box centred at TARGET_BOX_PX."""
    ys, xs = np.nonzero(hand.mask)
    side = max(xs.max() - xs.min(), ys.max() - ys.min(), 8)
    s = TARGET_BOX_PX / side
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    return np.array([[s, 0, WINDOW_PX / 2 - s * cx], [0, s, WINDOW_PX / 2 - s * cy]])


def _warp(image: np.ndarray, m: np.ndarray, interp: int = cv2.INTER_LINEAR) -> np.ndarray:
    return cv2.warpAffine(image, m, (WINDOW_PX, WINDOW_PX), flags=interp,
                          borderMode=cv2.BORDER_REPLICATE)


def _warp_mask(mask: np.ndarray, m: np.ndarray) -> np.ndarray:
    return cv2.warpAffine(mask.astype(np.float32), m, (WINDOW_PX, WINDOW_PX),
                          flags=cv2.INTER_LINEAR) >= 0.5


def _points(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return pts @ m[:, :2].T + m[:, 2]


def _donor_affine(target: SourceHand, donor: SourceHand, t_window: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """(2, 3) donor frame → window similarity: the donor's hand at the target's size (×0.8–1.2),
    turned by up to ±60°, centred on the target (the offset is added later)."""
    t_scale = hand_scale_px(_points(t_window, target.joints_px))
    d_scale = max(hand_scale_px(donor.joints_px), 1.0)
    ys, xs = np.nonzero(donor.mask)
    centre = ((xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2)
    m = cv2.getRotationMatrix2D(centre, float(rng.uniform(-60, 60)),
                                float(t_scale / d_scale * rng.uniform(0.8, 1.2)))
    m[:, 2] += np.array([WINDOW_PX / 2, WINDOW_PX / 2]) - np.array(centre)
    return m


def _shifted(m: np.ndarray, offset: np.ndarray) -> np.ndarray:
    out = m.copy()
    out[:, 2] += offset
    return out


def _place(target_mask: np.ndarray, donor: SourceHand, m: np.ndarray, want: float,
           direction: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Slide the donor along ``direction`` until it covers ``want`` of the target's mask
    (bisection on the distance); (affine, donor window mask, overlap) or None."""
    area = target_mask.sum()

    def overlap_at(dist: float) -> tuple[float, np.ndarray]:
        dm = _warp_mask(donor.mask, _shifted(m, direction * dist))
        return float((dm & target_mask).sum() / area), dm

    lo, hi = 0.0, 2.5 * TARGET_BOX_PX
    if overlap_at(lo)[0] < want:
        return None
    for _ in range(14):
        mid = (lo + hi) / 2
        if overlap_at(mid)[0] >= want:
            lo = mid
        else:
            hi = mid
    frac, dm = overlap_at(lo)
    if abs(frac - want) > 0.05:
        return None
    return _shifted(m, direction * lo), dm, frac


def make_sample(target: SourceHand, donor: SourceHand, depth: str, want: float,
                rng: np.random.Generator, overlap_bin: str = "") -> OcclusionSample | None:
    """Paste ``donor`` over (``front``) or under (``behind``) ``target`` with overlap ``want``.

    Returns None when no offset gives that overlap (e.g. a donor too thin).
    """
    if donor.side is target.side:
        donor = _mirrored(donor)
    tw = _window_affine(target)
    clean = _warp(target.image, tw)
    t_mask = _warp_mask(target.mask, tw)
    if t_mask.sum() < 400:
        return None
    angle = rng.uniform(0, 2 * np.pi)
    placed = _place(t_mask, donor, _donor_affine(target, donor, tw, rng), want,
                    np.array([np.cos(angle), np.sin(angle)]))
    if placed is None:
        return None
    dw, d_mask, overlap = placed
    alpha = cv2.GaussianBlur(d_mask.astype(np.float32), (0, 0), 0.7)
    if depth == "behind":
        alpha = alpha * (1.0 - cv2.GaussianBlur(t_mask.astype(np.float32), (0, 0), 0.7))
    gains = np.exp(rng.normal(0, [0.05, 0.04, 0.05]))
    fg = np.clip(_warp(donor.image, dw).astype(np.float32) * gains, 0, 255)
    a3 = alpha[..., None]
    image = (clean * (1 - a3) + fg * a3 + 0.5).astype(np.uint8)
    if depth == "front":
        t_vis, d_vis = t_mask & ~d_mask, d_mask
    else:
        t_vis, d_vis = t_mask, d_mask & ~t_mask
    planes = {target.side: (t_mask, t_vis), target.side.other: (d_mask, d_vis)}
    masks = HandMasks(*planes[Side.RIGHT], *planes[Side.LEFT])
    hidden = float((t_mask & ~t_vis).sum() / t_mask.sum())
    return OcclusionSample(f"{target.source} / {donor.source}", depth, overlap_bin, overlap,
                           image, clean,
                           target.side, _points(tw, target.joints_px),
                           _points(dw, donor.joints_px), masks, hidden)


def _mirrored(hand: SourceHand) -> SourceHand:
    """The horizontal mirror image: the same hand becomes the other side's."""
    return SourceHand(hand.source + " (mirrored)", np.ascontiguousarray(hand.image[:, ::-1]),
                      hand.side.other, mirror_joints_px(hand.joints_px, hand.image.shape[1]),
                      np.ascontiguousarray(hand.mask[:, ::-1]))


def prior_of(sample: OcclusionSample, rng: np.random.Generator,
             noise: float = 0.05) -> Hands[np.ndarray]:
    """A tracker-like joint prior: both hands' joints with Gaussian noise of ``noise`` × the
    hand's scale (wrist to middle MCP) per joint, and a shared shift of the same size."""
    def noisy(j: np.ndarray) -> np.ndarray:
        s = hand_scale_px(j)
        return j + rng.normal(0, noise * s, (1, 2)) + rng.normal(0, noise * s, j.shape)
    return Hands().with_side(sample.side, noisy(sample.joints_px)).with_side(
        sample.side.other, noisy(sample.other_joints_px))


def make_samples(hands: list[SourceHand], per_bin: int, seed: int,
                 same_file: bool = False) -> Iterator[OcclusionSample]:
    """``per_bin`` samples for each overlap bin and depth, targets and donors drawn from
    ``hands`` (a donor is never from the target's own source file, or with ``same_file`` never
    from its own frame)."""
    rng = np.random.default_rng(seed)
    for depth in ("front", "behind"):
        for lo, hi in OVERLAP_BINS:
            made, tries = 0, 0
            while made < per_bin and tries < 20 * per_bin:
                tries += 1
                t, d = (hands[int(i)] for i in rng.choice(len(hands), 2, replace=False))
                key = (lambda h: h.source) if same_file else (lambda h: h.source.split("#")[0])
                if key(t) == key(d):
                    continue
                sample = make_sample(t, d, depth, float(rng.uniform(lo, hi)), rng,
                                     f"{round(100 * lo)}-{round(100 * hi)}%")
                if sample is not None:
                    made += 1
                    yield sample


def _labelled_boxes(path: Path, scale: float) -> np.ndarray | None:
    """(N, 4) labelled hand boxes (x0, y0, x1, y1) of a dev_real photo at ``scale``, or None
    when it has no label file."""
    import json

    label = path.with_name(path.stem + ".labels.json")
    if not label.is_file():
        return None
    data = json.loads(label.read_text())
    if "two_hands_contact" in data.get("tags", []):
        return np.zeros((0, 4))  # touching hands: none is fully visible
    hands = data.get("hands", [])
    return np.array([h["bbox_xyxy"] for h in hands], dtype=np.float64).reshape(-1, 4) * scale


def _on_a_label(joints: np.ndarray, boxes: np.ndarray | None) -> bool:
    """The landmarks' box centre lies in a labelled box grown by 20 % (True without labels)."""
    if boxes is None:
        return True
    c = (joints.min(0) + joints.max(0)) / 2
    grow = 0.2 * (boxes[:, 2:] - boxes[:, :2])
    return bool((((boxes[:, :2] - grow) < c) & (c < (boxes[:, 2:] + grow))).all(1).any())


def _label_hands(image: np.ndarray, source: str, detector, min_score: float,
                 min_scale_px: float, boxes: np.ndarray | None = None) -> list[SourceHand]:
    """Confident hands of one frame whose boxes are apart from every other hand found (and, with
    ``boxes``, on a labelled hand: no hand-like object becomes a target)."""
    from training.synth.real_cutout import grabcut_hand_mask, person_side

    res = detector.process(image)
    h, w = image.shape[:2]
    found = []
    for lms, handed in zip(res.multi_hand_landmarks or [], res.multi_handedness or []):
        cls = handed.classification[0]
        joints = np.array([[p.x * w, p.y * h] for p in lms.landmark], dtype=np.float64)
        found.append((joints, cls.score, person_side(cls.label, False)))
    out = []
    for i, (joints, score, side) in enumerate(found):
        scale = hand_scale_px(joints)
        inside = (joints.min(0) > 2).all() and (joints.max(0) < [w - 3, h - 3]).all()
        if score < min_score or scale < min_scale_px or not inside or not _on_a_label(joints,
                                                                                      boxes):
            continue
        lo, hi = joints.min(0) - 0.5 * scale, joints.max(0) + 0.5 * scale
        if any(((o.max(0) > lo) & (o.min(0) < hi)).all() for k, (o, _, _) in enumerate(found)
               if k != i):
            continue  # another hand near it: not fully visible
        mask = grabcut_hand_mask(image, joints)
        if mask.sum() > 300:
            out.append(SourceHand(source, image, side, joints, mask))
    return out


def evaluation_hands(real_dir: Path, dev_dir: Path, clip_step: int = 10,
                     min_score: float = 0.9, min_scale_px: float = 30.0) -> list[SourceHand]:
    """Confident, fully visible hands of the evaluation media: every ``clip_step``-th frame of
    ``real_dir``'s clip and every photo of ``dev_dir`` (MediaPipe Hands, static images)."""
    import av
    import mediapipe as mp

    hands: list[SourceHand] = []
    with mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=4,
                                  model_complexity=1) as det:
        for clip in sorted(real_dir.glob("*.mp4")):
            with av.open(str(clip)) as container:
                for i, f in enumerate(container.decode(video=0)):
                    if i % clip_step == 0:
                        hands += _label_hands(f.to_ndarray(format="rgb24"), f"{clip.name}#{i}",
                                              det, min_score, min_scale_px)
        for path in sorted(dev_dir.iterdir()):
            if path.suffix.lower() not in (".jpg", ".jpeg", ".png"):
                continue
            bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if bgr is None:
                continue
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            scale = min(1.0, 1920 / max(rgb.shape[:2]))
            if scale < 1.0:
                rgb = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            hands += _label_hands(rgb, path.name, det, min_score, min_scale_px,
                                  _labelled_boxes(path, scale))
    return hands
