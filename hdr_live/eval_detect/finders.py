"""The systems ``eval-detect`` compares, each behind one small protocol: hdr-live's pipeline (or
MediaPipe Hands through ``--mode mediapipe``'s pipeline) and MediaPipe Holistic (the body model's
hands, the reference for hands found from the body).

A finder gets the frames of one file in order (a clip from its first frame, tracked) and says
which hands it reports on each.
"""

from __future__ import annotations

from typing import Callable, Protocol

import numpy as np

from hdr_live.eval_detect.scoring import PredictedHand
from hdr_live.joints import Side
from hdr_live.pipeline import Pipeline
from hdr_live.types import Frame


class HandFinder(Protocol):
    """A system under evaluation."""

    #: Its name in the tables.
    name: str

    def start(self, is_video: bool) -> None:
        """A new file begins: forget everything; ``is_video`` says whether frames will follow
        each other (a clip) or this is one still."""
        ...

    def find(self, frame: Frame) -> list[PredictedHand]:
        """The hands it reports on ``frame`` (frame pixels, the person's own sides)."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...


class PipelineFinder:
    """A pipeline's posed hands (seen and inferred): one pipeline for stills, one for clips,
    each made on first use by ``make(is_video)``."""

    def __init__(self, name: str, make: Callable[[bool], Pipeline]) -> None:
        self.name = name
        self._make = make
        self._pipelines: dict[bool, Pipeline] = {}
        self._current: Pipeline | None = None

    def start(self, is_video: bool) -> None:
        if is_video not in self._pipelines:
            self._pipelines[is_video] = self._make(is_video)
        self._current = self._pipelines[is_video]
        self._current.reset()

    def find(self, frame: Frame) -> list[PredictedHand]:
        if self._current is None:
            raise RuntimeError("PipelineFinder.find before start")
        poses = self._current.process(frame).poses
        return [PredictedHand.from_joints(side, pose.joints_px, pose.inferred)
                for side, pose in poses.items()]

    def close(self) -> None:
        for pipeline in self._pipelines.values():
            pipeline.close()
        self._pipelines = {}


class HolisticFinder:
    """MediaPipe Holistic's hands (``mediapipe.solutions.holistic``, model complexity 1): hands
    found from the body's pose, so only where a body is in view. Holistic names hands by the
    person's own side on an un-mirrored image."""

    name = "mediapipe-holistic"

    def __init__(self, input_mirrored: bool = False) -> None:
        self.input_mirrored = input_mirrored
        self._graph = None

    def start(self, is_video: bool) -> None:
        import mediapipe as mp

        self.close()
        self._graph = mp.solutions.holistic.Holistic(static_image_mode=not is_video,
                                                     model_complexity=1)

    def find(self, frame: Frame) -> list[PredictedHand]:
        if self._graph is None:
            raise RuntimeError("HolisticFinder.find before start")
        out = self._graph.process(frame.rgb)
        found = []
        for side, lms in ((Side.LEFT, out.left_hand_landmarks),
                          (Side.RIGHT, out.right_hand_landmarks)):
            if lms is None:
                continue
            joints = np.array([[p.x * frame.width, p.y * frame.height] for p in lms.landmark])
            found.append(PredictedHand.from_joints(side.other if self.input_mirrored else side,
                                                   joints))
        return found

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()
            self._graph = None
