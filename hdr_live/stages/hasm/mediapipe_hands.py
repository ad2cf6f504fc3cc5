"""MediaPipe Hands on the full frame: the "no HDR" reference and the baseline HASM's joint prior.

Uses the legacy ``mediapipe.solutions.hands`` graph (palm detector + landmark model, both bundled
in the mediapipe 0.10.21 wheel). MediaPipe labels handedness as if the image were a mirrored
selfie view; :func:`detect_hands` converts its labels to the person's own hands.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.joints import NUM_JOINTS, Side
from hdr_live.types import Frame


@dataclasses.dataclass(frozen=True)
class HandDetection:
    """One hand found by MediaPipe Hands on the full frame.

    Attributes:
        side: the person's hand (after converting MediaPipe's mirrored label).
        joints_px: (21, 2) float64 frame pixels.
        joints_rel_m: (21, 3) float64 metres, camera axes, relative to the wrist.
        side_score: MediaPipe's handedness confidence in [0, 1] for ``side``.
    """

    side: Side
    joints_px: np.ndarray
    joints_rel_m: np.ndarray
    side_score: float


@dataclasses.dataclass(frozen=True)
class MediaPipeHandsOptions:
    """Options of :class:`MediaPipeHands`.

    Attributes:
        static_image_mode: detect on every image independently (stills) instead of tracking
            through a video.
        model_complexity: 0 (lite) or 1 (full) landmark model.
        min_detection_confidence: palm detector threshold.
        min_tracking_confidence: landmark presence threshold for tracking.
        input_mirrored: the input is a mirrored (selfie) view; then MediaPipe's labels already
            name the person's hands.
    """

    static_image_mode: bool = False
    model_complexity: int = 1
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    input_mirrored: bool = False


class MediaPipeHands:
    """Context-managed wrapper around ``mediapipe.solutions.hands.Hands`` (max two hands)."""

    def __init__(self, options: MediaPipeHandsOptions = MediaPipeHandsOptions()) -> None:
        import mediapipe as mp  # heavy import, only when used

        self.options = options
        self._solution = mp.solutions.hands.Hands
        self._hands = self._new_graph()

    def _new_graph(self):
        o = self.options
        return self._solution(
            static_image_mode=o.static_image_mode,
            max_num_hands=2,
            model_complexity=o.model_complexity,
            min_detection_confidence=o.min_detection_confidence,
            min_tracking_confidence=o.min_tracking_confidence,
        )

    def reset(self) -> None:
        """Forget the hands MediaPipe tracks from frame to frame (a new sequence): a new graph."""
        self._hands.close()
        self._hands = self._new_graph()

    def detect(self, frame: Frame) -> list[HandDetection]:
        """Hands in ``frame``, at most one per side.

        When MediaPipe labels both hands the same side, the less confident one takes the other
        side. Sides are the person's own hands.

        Args:
            frame: the input frame (RGB uint8).

        Returns:
            0, 1 or 2 detections with distinct sides.
        """
        out = self._hands.process(frame.rgb)
        if not out.multi_hand_landmarks:
            return []
        dets = []
        for lms, world, handed in zip(
            out.multi_hand_landmarks, out.multi_hand_world_landmarks, out.multi_handedness
        ):
            cls = handed.classification[0]
            dets.append(
                _to_detection(lms, world, cls.label, float(cls.score), frame, self.options)
            )
        return distinct_sides(dets)

    def close(self) -> None:
        """Release the MediaPipe graph."""
        self._hands.close()

    def __enter__(self) -> "MediaPipeHands":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def mediapipe_label_to_side(label: str, input_mirrored: bool) -> Side:
    """Person's hand for a MediaPipe handedness label ("Left"/"Right").

    MediaPipe assumes a mirrored selfie image; on an un-mirrored image its "Left" is the
    person's right hand.

    Raises:
        ValueError: unknown label.
    """
    if label not in ("Left", "Right"):
        raise ValueError(f"unknown MediaPipe handedness label {label!r}")
    as_labelled = Side.LEFT if label == "Left" else Side.RIGHT
    return as_labelled if input_mirrored else as_labelled.other


def _to_detection(lms, world, label: str, score: float, frame: Frame, options) -> HandDetection:
    px = np.array([[p.x * frame.width, p.y * frame.height] for p in lms.landmark], dtype=np.float64)
    wm = np.array([[p.x, p.y, p.z] for p in world.landmark], dtype=np.float64)
    if px.shape != (NUM_JOINTS, 2) or wm.shape != (NUM_JOINTS, 3):
        raise RuntimeError(f"MediaPipe returned {px.shape[0]} landmarks, expected {NUM_JOINTS}")
    side = mediapipe_label_to_side(label, options.input_mirrored)
    return HandDetection(side, px, wm - wm[0], score)


def distinct_sides(dets: list[HandDetection]) -> list[HandDetection]:
    """At most two detections with distinct sides: when both are labelled one side, the less
    confident one takes the other side (with ``side_score`` 0)."""
    if len(dets) == 2 and dets[0].side is dets[1].side:
        keep, flip = sorted(dets, key=lambda d: -d.side_score)
        dets = [keep, dataclasses.replace(flip, side=flip.side.other, side_score=0.0)]
    return dets[:2]
