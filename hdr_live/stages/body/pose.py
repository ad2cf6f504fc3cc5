"""Body pose from MediaPipe's BlazePose models, run directly (ONNX Runtime).

Models (mediapipe 0.10.21 wheel, Apache-2.0; vendored in ONNX, :mod:`hdr_live.models.vendored`): ``modules/pose_detection/pose_detection.tflite``
(224×224 RGB in [-1, 1], letterboxed; 2254 SSD anchors, strides 8, 16, 32, 32, 32; 12 regressors
per anchor: box x, y, w, h and 4 keypoints, in input pixels relative to the anchor; keypoint 0
is the hips' centre, keypoint 1 fixes the body circle's radius and the body's up direction) and
``modules/pose_landmark/pose_landmark_full.tflite`` (256×256 RGB in [0, 1] of the rotated body
region; 39 landmarks × (x, y, z, visibility logit, presence logit) in input pixels, the first 33
being BlazePose's body landmarks and 33–34 the alignment points of the next frame's region; a
pose-presence probability). The region rules are MediaPipe's pose_detection_to_roi and
pose_landmarks_to_roi graphs: centre at the alignment's first point, side twice the distance
between the two points, scaled 1.25, up from the first point to the second.

Source: V. Bazarevsky, I. Grishchenko, K. Raveendran, T. Zhu, F. Zhang, M. Grundmann,
"BlazePose: On-device Real-time Body Pose tracking" (CVPR Workshops 2020).

Landmark sides are the person's own on an un-mirrored image (``input_mirrored`` swaps them).
"""

from __future__ import annotations

import dataclasses
import enum
import math

import numpy as np

from hdr_live.models.vendored import POSE_DETECTION, POSE_LANDMARK, VendoredModel
from hdr_live.geometry import Roi, apply_affine, box_iou, crop_affine, warp_crop
from hdr_live.joints import Side
from hdr_live.models.ssd_anchors import anchor_centres, letterbox
from hdr_live.types import Frame

DETECTOR_INPUT_PX = 224
LANDMARK_INPUT_PX = 256
NUM_BODY_LANDMARKS = 33
_ROI_SCALE = 1.25


class BodyJoint(enum.IntEnum):
    """BlazePose landmark indices used here (left/right: the person's own)."""

    NOSE = 0
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24


_ARM = {  # side → (shoulder, elbow, wrist, pinky knuckle, index knuckle, thumb)
    Side.LEFT: (BodyJoint.LEFT_SHOULDER, BodyJoint.LEFT_ELBOW, BodyJoint.LEFT_WRIST,
                BodyJoint.LEFT_PINKY, BodyJoint.LEFT_INDEX, BodyJoint.LEFT_THUMB),
    Side.RIGHT: (BodyJoint.RIGHT_SHOULDER, BodyJoint.RIGHT_ELBOW, BodyJoint.RIGHT_WRIST,
                 BodyJoint.RIGHT_PINKY, BodyJoint.RIGHT_INDEX, BodyJoint.RIGHT_THUMB),
}


@dataclasses.dataclass(frozen=True)
class Arm:
    """One arm of a body, frame pixels; ``visibility`` of each point in [0, 1].

    Attributes:
        side: the person's own side.
        shoulder_px, elbow_px, wrist_px: (2,) float64.
        knuckles_px: (2,) float64, the middle of the index and pinky knuckles.
        visibility: (4,) shoulder, elbow, wrist, knuckles (the lower of the two).
    """

    side: Side
    shoulder_px: np.ndarray
    elbow_px: np.ndarray
    wrist_px: np.ndarray
    knuckles_px: np.ndarray
    visibility: np.ndarray

    @property
    def forearm_px(self) -> float:
        """Elbow→wrist length in pixels."""
        return float(np.linalg.norm(self.wrist_px - self.elbow_px))


@dataclasses.dataclass(frozen=True)
class BodyPose:
    """One person's body pose on a frame.

    Attributes:
        landmarks_px: (33, 2) float64 frame pixels (BlazePose order, :class:`BodyJoint`).
        visibility: (33,) float64 in [0, 1]: the network's belief that each landmark is in
            view and not hidden.
        presence: the network's pose presence in [0, 1].
        next_roi: the body region for the next frame (tracking), frame pixels.
    """

    landmarks_px: np.ndarray
    visibility: np.ndarray
    presence: float
    next_roi: Roi

    def arm(self, side: Side) -> Arm:
        """The person's ``side`` arm."""
        s, e, w, p, i, _ = _ARM[side]
        lm, vis = self.landmarks_px, self.visibility
        return Arm(side, lm[s], lm[e], lm[w], (lm[p] + lm[i]) / 2.0,
                   np.array([vis[s], vis[e], vis[w], min(vis[p], vis[i])]))

    @property
    def shoulder_width_px(self) -> float:
        """Distance between the shoulders in pixels."""
        return float(np.linalg.norm(self.landmarks_px[BodyJoint.LEFT_SHOULDER]
                                    - self.landmarks_px[BodyJoint.RIGHT_SHOULDER]))

    def mirrored(self) -> "BodyPose":
        """The same pose with left and right landmarks exchanged (a mirrored view)."""
        order = np.arange(NUM_BODY_LANDMARKS)
        for left, right in ((1, 4), (2, 5), (3, 6), (7, 8), (9, 10)) + tuple(
                (a, a + 1) for a in range(11, 33, 2)):
            order[left], order[right] = right, left
        return dataclasses.replace(self, landmarks_px=self.landmarks_px[order],
                                   visibility=self.visibility[order])


def _alignment_roi(start_px: np.ndarray, end_px: np.ndarray) -> Roi:
    """MediaPipe's alignment-points region: centre ``start``, side 2·|end − start|·1.25,
    up from ``start`` toward ``end``."""
    v = end_px - start_px
    return Roi((float(start_px[0]), float(start_px[1])),
               2.0 * float(np.linalg.norm(v)) * _ROI_SCALE, math.atan2(v[0], -v[1]))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60.0, 60.0)))


@dataclasses.dataclass(frozen=True)
class BodyRegion:
    """A person found by the pose detector.

    Attributes:
        score: detector probability in [0, 1].
        roi: the body region for the landmark network, frame pixels.
        box_area_px: the detection box's area in frame pixels² (prominence).
    """

    score: float
    roi: Roi
    box_area_px: float


class PoseDetector:
    """BlazePose's person detector on the whole frame (see the module docstring).

    Raises (constructor):
        hdr_live.weights.WeightsError: the vendored model file is missing or damaged.
    """

    def __init__(self, min_score: float = 0.5, max_people: int = 4) -> None:
        self._model = VendoredModel(POSE_DETECTION)
        outs = {shape[-1]: name for name, shape in self._model.output_shapes.items()}
        self._out_boxes, self._out_scores = outs[12], outs[1]
        self._anchors = anchor_centres(DETECTOR_INPUT_PX, ((8, 2), (16, 2), (32, 6)))
        self.min_score, self.max_people = min_score, max_people

    def detect(self, frame: Frame) -> list[BodyRegion]:
        """People in ``frame``, the largest first, at most ``max_people``, overlapping boxes
        (IoU > 0.3) suppressed."""
        x, side, ox, oy = letterbox(frame.rgb, DETECTOR_INPUT_PX)
        out = self._model.run((x.astype(np.float32) / 127.5 - 1.0)[None])
        reg = out[self._out_boxes][0].astype(np.float64)
        scores = _sigmoid(out[self._out_scores][0, :, 0].astype(np.float64))
        kept: list[tuple[float, np.ndarray, Roi]] = []
        for i in np.argsort(-scores):
            if scores[i] < self.min_score:
                break
            centre = (self._anchors[i] + reg[i, 0:2] / DETECTOR_INPUT_PX) * side - (ox, oy)
            half = reg[i, 2:4] / DETECTOR_INPUT_PX * side / 2.0
            box = np.concatenate([centre - half, centre + half])
            if any(box_iou(box, b) > 0.3 for _, b, _ in kept):
                continue
            kp = (self._anchors[i] + reg[i, 4:12].reshape(4, 2) / DETECTOR_INPUT_PX) * side
            kp = kp - (ox, oy)
            kept.append((float(scores[i]), box, _alignment_roi(kp[0], kp[1])))
        regions = [BodyRegion(s, roi, float(np.prod(b[2:] - b[:2]))) for s, b, roi in kept]
        return sorted(regions, key=lambda r: -r.box_area_px)[: self.max_people]


def refine_from_heatmap(xy: np.ndarray, heatmap: np.ndarray, kernel: int = 7,
                        min_confidence: float = 0.5) -> np.ndarray:
    """Landmarks moved to the confidence-weighted mean of their heatmap window (MediaPipe's
    RefineLandmarksFromHeatmapCalculator, as the pose landmark graph uses it).

    Args:
        xy: (N, 2) float64 landmarks in [0, 1] of the network input.
        heatmap: (H, W, N) float32 logits.
        kernel: window side in heatmap cells.
        min_confidence: a landmark whose window's best sigmoid confidence is below this stays.

    Returns:
        (N, 2) float64 refined landmarks in [0, 1].
    """
    h, w, n = heatmap.shape
    out = xy.copy()
    half = (kernel - 1) // 2
    for i in range(min(n, len(xy))):
        col, row = int(xy[i, 0] * w), int(xy[i, 1] * h)
        r0, r1 = max(0, row - half), min(h, row + half + 1)
        c0, c1 = max(0, col - half), min(w, col + half + 1)
        if r0 >= r1 or c0 >= c1:
            continue
        conf = _sigmoid(heatmap[r0:r1, c0:c1, i].astype(np.float64))
        total = float(conf.sum())
        if conf.max() < min_confidence or total <= 0:
            continue
        rows, cols = np.mgrid[r0:r1, c0:c1]
        out[i] = (float((cols * conf).sum()) / total / w, float((rows * conf).sum()) / total / h)
    return out


class PoseLandmarker:
    """BlazePose's landmark network on a body region (see the module docstring).

    Raises (constructor):
        hdr_live.weights.WeightsError: the vendored model file is missing or damaged.
    """

    def __init__(self, input_mirrored: bool = False) -> None:
        self._model = VendoredModel(POSE_LANDMARK)
        outs = {shape: name for name, shape in self._model.output_shapes.items()}
        self._out_landmarks, self._out_presence = outs[(1, 195)], outs[(1, 1)]
        self._out_heatmap = outs[(1, 64, 64, 39)]
        self.input_mirrored = input_mirrored

    def run(self, frame: Frame, roi: Roi) -> BodyPose:
        """The body pose in ``roi`` of ``frame`` (frame pixels)."""
        to_frame = crop_affine(roi, LANDMARK_INPUT_PX)
        patch = warp_crop(frame.rgb, to_frame, LANDMARK_INPUT_PX)
        out = self._model.run((patch.astype(np.float32) / 255.0)[None])
        raw = out[self._out_landmarks].reshape(39, 5).astype(np.float64)
        heatmap = out[self._out_heatmap][0]
        xy = refine_from_heatmap(raw[:, :2] / LANDMARK_INPUT_PX, heatmap) * LANDMARK_INPUT_PX
        points = apply_affine(to_frame, xy)
        presence = float(np.clip(out[self._out_presence].reshape(-1)[0], 0.0, 1.0))
        pose = BodyPose(points[:NUM_BODY_LANDMARKS], _sigmoid(raw[:NUM_BODY_LANDMARKS, 3]),
                        presence, _alignment_roi(points[33], points[34]))
        return pose.mirrored() if self.input_mirrored else pose
