"""MediaPipe Hands' static-image graph on the vendored models: hands on the full frame without
``mediapipe.solutions``.

As MediaPipe's hand-tracking graph does on a still (``static_image_mode``): the palm detector
(:mod:`hdr_live.models.vendored`, 2016 SSD anchors) keeps palms scoring at least
``min_detection_confidence``; overlapping palms (their hand regions' centres closer than
``merge_dist`` of a region's side) are merged into their score-weighted mean (MediaPipe's
weighted non-maximum suppression); each palm gives a hand region (rotation from the wrist to the
middle-finger knuckle, box × 2.6, shifted half a box toward the fingers: the rule of
:class:`~hdr_live.stages.hasm.palm.PalmReacquirer`); the hand-landmark network runs there once
and a hand is kept at presence ≥ ``min_tracking_confidence``; at most two hands, the best palms
first, sides from the landmark network's handedness (the person's own, as
:class:`~hdr_live.stages.hasm.mediapipe_hands.MediaPipeHands` gives them).

Source: "MediaPipe Hands: On-device Real-time Hand Tracking" (Zhang et al., 2020), §2.1–2.2, and
MediaPipe's ``hand_landmark_tracking_cpu`` graph (mediapipe 0.10.21).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from hdr_live.geometry import Roi
from hdr_live.stages.hasm.mediapipe_hands import (HandDetection, MediaPipeHandsOptions,
                                                  distinct_sides)
from hdr_live.stages.hasm.palm import PalmCandidate, PalmReacquirer, detection_of
from hdr_live.stages.shpe.mediapipe_landmark import MediaPipeLandmarkShpe
from hdr_live.types import Frame


@dataclasses.dataclass(frozen=True)
class PalmHandsOptions:
    """Options of :class:`PalmHands` beyond MediaPipe Hands' own.

    Attributes:
        merge_dist: palms whose hand regions' centres lie closer than this share of a region's
            side are one palm (merged by score weight).
        candidates: palms decoded before merging (the best by score).
    """

    merge_dist: float = 0.3
    candidates: int = 16


def merge_palms(palms: list[PalmCandidate], merge_dist: float) -> list[PalmCandidate]:
    """Weighted non-maximum suppression on hand regions: the best palm and every palm whose
    region centre lies within ``merge_dist`` of its region's side form one palm, its centre,
    side and angle (through its unit vector) the score-weighted means, its score the best's.

    Args:
        palms: candidates, best first (frame pixels).
        merge_dist: see above.

    Returns:
        The merged palms, best first.
    """
    left = list(palms)
    out: list[PalmCandidate] = []
    while left:
        best = left[0]
        group = [p for p in left
                 if math.dist(p.roi.center_xy, best.roi.center_xy) <= merge_dist * best.roi.size_px]
        left = [p for p in left if p not in group]
        w = np.array([p.score for p in group])
        w = w / w.sum()
        centre = np.average([p.roi.center_xy for p in group], axis=0, weights=w)
        size = float(np.average([p.roi.size_px for p in group], weights=w))
        vec = np.average([[math.cos(p.roi.angle_rad), math.sin(p.roi.angle_rad)] for p in group],
                         axis=0, weights=w)
        out.append(PalmCandidate(best.score, Roi((float(centre[0]), float(centre[1])), size,
                                                 math.atan2(vec[1], vec[0]))))
    return out


class PalmHands:
    """Hands on the full frame from the vendored palm detector and landmark network; a
    detector with :class:`~hdr_live.stages.hasm.mediapipe_hands.MediaPipeHands`' interface
    (``detect``, ``reset``, ``close``). See the module docstring."""

    def __init__(self, options: MediaPipeHandsOptions = MediaPipeHandsOptions(),
                 own: PalmHandsOptions = PalmHandsOptions(),
                 palms: PalmReacquirer | None = None) -> None:
        """Args:
            options: MediaPipe Hands' thresholds and the view (mirrored or not).
            own: see :class:`PalmHandsOptions`.
            palms: the palm detector and landmark network to use (the pipeline's re-acquirer,
                so the networks are loaded once); None = new ones.
        """
        self.options, self.own = options, own
        self._palms = palms or PalmReacquirer(MediaPipeLandmarkShpe())

    def detect(self, frame: Frame) -> list[HandDetection]:
        """Hands in ``frame``, at most one per side (sides are the person's own hands; when
        both look like one side, the less confident one takes the other, as
        :meth:`MediaPipeHands.detect` does).

        Args:
            frame: the input frame (RGB uint8).

        Returns:
            0, 1 or 2 detections.
        """
        candidates = self._palms.palm_candidates(
            frame, raw=True, min_score=self.options.min_detection_confidence,
            top_k=self.own.candidates)
        dets: list[HandDetection] = []
        for palm in merge_palms(candidates, self.own.merge_dist):
            if len(dets) == 2:
                break
            est = self._palms.landmarks.run_roi(frame.rgb, palm.roi)
            if est.presence >= self.options.min_tracking_confidence:
                dets.append(detection_of(est, self.options.input_mirrored))
        return distinct_sides(dets)

    def reset(self) -> None:
        """Nothing to forget: every frame is detected afresh (static-image mode)."""

    def close(self) -> None:
        """Nothing to release (the ONNX Runtime sessions go with the object)."""
