"""The most prominent person's body pose on every frame, on a budget.

The body moves slowly next to the hands, so the landmark network runs every ``landmark_every``
frames on the region its previous run predicted (BlazePose's own tracking); between runs the
landmarks are extrapolated at constant velocity from the last two runs. The person detector runs
only when no body is tracked, at most every ``detect_every`` frames (a view with no body in it,
such as an egocentric clip, costs one detector run every so many frames). On stills
(``tracks`` False) both run on every frame.
"""

from __future__ import annotations

import dataclasses

from hdr_live.stages.body.pose import BodyPose, PoseDetector, PoseLandmarker
from hdr_live.types import Frame


@dataclasses.dataclass(frozen=True)
class BodyTrackerOptions:
    """Options of :class:`BodyTracker`.

    Attributes:
        landmark_every: run the landmark network every N frames while a body is tracked.
        detect_every: with no body tracked, run the person detector every N frames.
        min_presence: a pose below this presence is lost.
        min_detector_score: the person detector's threshold.
    """

    landmark_every: int = 3
    detect_every: int = 10
    min_presence: float = 0.5
    min_detector_score: float = 0.5


class BodyTracker:
    """See the module docstring."""

    def __init__(self, tracks: bool, options: BodyTrackerOptions = BodyTrackerOptions(),
                 input_mirrored: bool = False) -> None:
        self.tracks, self.options = tracks, options
        self.detector = PoseDetector(options.min_detector_score, max_people=1)
        self.landmarker = PoseLandmarker(input_mirrored)
        self.reset()

    def reset(self) -> None:
        """Forget the tracked body (a new sequence)."""
        self._last: BodyPose | None = None
        self._before: BodyPose | None = None
        self._since_landmarks = 0
        self._since_detect = 10**9
        #: Network runs on the last frame (landmark, detector), for benchmarks.
        self.ran: tuple[bool, bool] = (False, False)

    def update(self, frame: Frame) -> BodyPose | None:
        """The body on ``frame`` (measured or extrapolated), or None when none is tracked."""
        o = self.options
        if self.tracks and self._last is not None and self._since_landmarks + 1 < o.landmark_every:
            self._since_landmarks += 1
            self.ran = (False, False)
            return self._extrapolated()
        detected = False
        roi = self._last.next_roi if (self.tracks and self._last is not None) else None
        if roi is None:
            self._since_detect += 1
            if self.tracks and self._since_detect < o.detect_every:
                self.ran = (False, False)
                return None
            self._since_detect, detected = 0, True
            regions = self.detector.detect(frame)
            if not regions:
                self.ran = (False, True)
                return None
            roi = regions[0].roi
        pose = self.landmarker.run(frame, roi)
        self.ran = (True, detected)
        if pose.presence < o.min_presence:
            self._last = self._before = None
            return None
        self._before, self._last, self._since_landmarks = self._last, pose, 0
        return pose

    def _extrapolated(self) -> BodyPose:
        last, before = self._last, self._before
        if before is None:
            return last
        step = (self._since_landmarks) / self.options.landmark_every
        moved = last.landmarks_px + step * (last.landmarks_px - before.landmarks_px)
        return dataclasses.replace(last, landmarks_px=moved)
