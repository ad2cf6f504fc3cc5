"""Re-acquiring hands MediaPipe Hands misses: its palm detector at a low threshold, each candidate
verified by the hand-landmark network (its presence output).

MediaPipe Hands only keeps palms scoring ≥ 0.5; on clasped hands or a fist the true palm often
scores far below that (docs/benchmarks.md), so here the threshold is low and the landmark
network verifies each candidate instead: the ``top_k`` best palm candidates above
``min_palm_score`` are each turned into a hand region (MediaPipe's palm→ROI rule: rotation from
the wrist keypoint to the middle-finger keypoint, box × 2.6, shifted half a box toward the
fingers), the landmark network runs there twice (second pass re-fitted to the first's joints),
and a candidate is kept when its presence is at least ``min_presence``.

Palm model: ``palm_detection_full`` from the mediapipe 0.10.21 wheel, vendored in ONNX
(:mod:`hdr_live.models.vendored`, ONNX Runtime), 192×192 RGB in
[0, 1], 2016 SSD anchors (strides 8, 16, 16, 16; fixed size), 18 regressors per anchor (box
x, y, w, h and 7 keypoints, in input pixels relative to the anchor).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from hdr_live.geometry import Roi
from hdr_live.joints import Side, hand_scale_px
from hdr_live.models.ssd_anchors import anchor_centres, letterbox
from hdr_live.stages.hasm.mediapipe_hands import HandDetection
from hdr_live.stages.shpe.mediapipe_landmark import MediaPipeLandmarkShpe
from hdr_live.types import Frame, Hands
from hdr_live.weights import WeightsError

PALM_INPUT_PX = 192


def _anchors() -> np.ndarray:
    """(2016, 2) anchor centres in [0, 1] (MediaPipe SsdAnchorsCalculator, palm options: strides
    8, 16, 16, 16, the three 16s sharing one grid)."""
    return anchor_centres(PALM_INPUT_PX, ((8, 2), (16, 6)))


@dataclasses.dataclass(frozen=True)
class PalmCandidate:
    """A palm box from the detector, in frame pixels.

    Attributes:
        score: detector probability in [0, 1].
        roi: the hand region derived from the palm (MediaPipe's rule, see module docstring).
    """

    score: float
    roi: Roi


@dataclasses.dataclass(frozen=True)
class ReacquireOptions:
    """Thresholds of :class:`PalmReacquirer`.

    Attributes:
        top_k: palm candidates tried per call.
        roi_scales: each candidate's hand region is tried at these multiples of its size (a
            low-scoring palm box is often too small for the hand).
        min_palm_score: candidates below this are not tried.
        min_presence: the landmark network's presence needed to accept a hand.
        input_mirrored: the frame is a mirrored (selfie) view.
    """

    top_k: int = 4
    roi_scales: tuple[float, ...] = (1.0, 1.8, 3.0)
    min_palm_score: float = 0.01
    min_presence: float = 0.5
    input_mirrored: bool = False


def _box_overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection of two joint sets' boxes over the smaller box's area (0 to 1)."""
    lo, hi = np.maximum(a.min(0), b.min(0)), np.minimum(a.max(0), b.max(0))
    inter = float(np.prod(np.clip(hi - lo, 0, None)))
    area = min(float(np.prod(np.ptp(a, axis=0))), float(np.prod(np.ptp(b, axis=0))))
    return inter / area if area > 0 else 0.0


def detection_of(est, input_mirrored: bool) -> HandDetection:
    """A landmark estimate in frame pixels (a :class:`~hdr_live.stages.shpe.interface.CropPose`
    run on a frame region) as a detection of the person's hand its handedness says: looking
    right is the person's right hand in an un-mirrored frame; ``side_score`` is the network's
    confidence in that side."""
    looks_right = est.right_score >= 0.5
    side = Side.RIGHT if looks_right != input_mirrored else Side.LEFT
    confidence = est.right_score if looks_right else 1.0 - est.right_score
    return HandDetection(side, est.joints_crop_px, est.joints_world_m, float(confidence))


def _is_duplicate(a: np.ndarray, side_a: Side, b: np.ndarray, side_b: Side) -> bool:
    if side_a is side_b and _box_overlap(a, b) > 0.4:
        return True
    scale = max(hand_scale_px(a), hand_scale_px(b), 1.0)
    return float(np.linalg.norm(a - b, axis=1).mean()) < 0.35 * scale


class PalmReacquirer:
    """Finds hands from low-scoring palm candidates, verified by the landmark network."""

    def __init__(self, landmarks: MediaPipeLandmarkShpe,
                 options: ReacquireOptions = ReacquireOptions()) -> None:
        from hdr_live.models.vendored import PALM_DETECTION, VendoredModel

        self._model = VendoredModel(PALM_DETECTION)
        if self._model.input_shape != (1, PALM_INPUT_PX, PALM_INPUT_PX, 3):
            raise WeightsError(f"{self._model.path} is not a {PALM_INPUT_PX}px palm detector")
        outs = {shape[-1]: name for name, shape in self._model.output_shapes.items()}
        self._out_boxes, self._out_scores = outs[18], outs[1]
        self._anchors = _anchors()
        self.landmarks, self.options = landmarks, options

    def palm_candidates(self, frame: Frame, raw: bool = False, min_score: float | None = None,
                        top_k: int | None = None) -> list[PalmCandidate]:
        """The ``top_k`` palm candidates above ``min_palm_score`` (the options', unless given),
        best first, de-duplicated (a candidate whose region centre lies within 0.3 of a better
        one's side is dropped; ``raw``: kept, for the caller to merge)."""
        min_score = self.options.min_palm_score if min_score is None else min_score
        top_k = self.options.top_k if top_k is None else top_k
        x, side, ox, oy = letterbox(frame.rgb, PALM_INPUT_PX)
        out = self._model.run((x.astype(np.float32) / 255.0)[None])
        reg = out[self._out_boxes][0].astype(np.float64)
        logits = np.clip(out[self._out_scores][0, :, 0], -100, 100)
        scores = 1.0 / (1.0 + np.exp(-logits))
        out: list[PalmCandidate] = []
        for i in np.argsort(-scores):
            if scores[i] < min_score or len(out) >= top_k:
                break
            cand = self._decode(reg[i], self._anchors[i], side, ox, oy, float(scores[i]))
            if raw or all(math.dist(cand.roi.center_xy, c.roi.center_xy) > 0.3 * c.roi.size_px
                          for c in out):
                out.append(cand)
        return out

    @staticmethod
    def _decode(reg, anchor, side, ox, oy, score) -> PalmCandidate:
        to_px = lambda v: v * side  # noqa: E731  (normalised padded square → pixels)
        cx, cy = anchor + reg[0:2] / PALM_INPUT_PX
        bw, bh = reg[2:4] / PALM_INPUT_PX
        kp = anchor + reg[4:18].reshape(7, 2) / PALM_INPUT_PX
        up = kp[2] - kp[0]  # wrist centre → middle-finger MCP
        angle = math.atan2(up[0], -up[1])
        box = max(bw, bh) * side
        centre = np.array([to_px(cx) - ox, to_px(cy) - oy])
        shift = -0.5 * bh * side  # half a box toward the fingers, along the region's up axis
        centre = centre + shift * np.array([-math.sin(angle), math.cos(angle)])
        return PalmCandidate(score, Roi((float(centre[0]), float(centre[1])), 2.6 * box, angle))

    def _estimates(self, frame: Frame, cand: PalmCandidate):
        """Landmark estimates of a candidate at each region scale that pass ``min_presence``."""
        for k in self.options.roi_scales:
            roi = dataclasses.replace(cand.roi, size_px=cand.roi.size_px * k)
            est = self.landmarks.run_roi_refined(frame.rgb, roi)
            if est.presence >= self.options.min_presence:
                yield est

    def find(self, frame: Frame, known: Hands[np.ndarray]) -> list[HandDetection]:
        """Verified hands that are not among ``known`` (per side (21, 2) joints already tracked).

        A candidate is a duplicate when its joint box overlaps a hand of the same side by more
        than 40 %, or its joints lie on any hand's (mean distance under 0.35 hand sizes);
        clasped hands of opposite sides overlap a lot and are kept.

        Returns:
            Detections (at most ``2 - len(known)``), sides from the landmark network's
            handedness.
        """
        found: list[HandDetection] = []
        taken = [(side, joints) for side, joints in known.items()]
        for cand in self.palm_candidates(frame):
            for est in self._estimates(frame, cand):
                if len(taken) >= 2:
                    return found
                det = detection_of(est, self.options.input_mirrored)
                if any(_is_duplicate(det.joints_px, det.side, k, s) for s, k in taken):
                    continue
                found.append(det)
                taken.append((det.side, det.joints_px))
                break
        return found
