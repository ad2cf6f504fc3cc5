"""Running a finder over labelled files: every still on its own, every clip from its first
frame up to its last labelled frame (tracked, as the app would see it)."""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.eval_detect.finders import HandFinder
from hdr_live.eval_detect.labels import LabelledFile
from hdr_live.eval_detect.scoring import FrameScore, MatchOptions, PredictedHand, score_frame
from hdr_live.io.sources import VideoFileSource, read_image
from hdr_live.types import Frame


@dataclasses.dataclass(frozen=True)
class LabelledFrameResult:
    """One labelled frame's predictions and score.

    Attributes:
        index: decoded frame index (0 for a still).
        preds: the finder's hands.
        score: their match against the labels.
        rgb: the frame (H, W, 3) uint8, kept only when asked (for the contact sheet).
    """

    index: int
    preds: tuple[PredictedHand, ...]
    score: FrameScore
    rgb: np.ndarray | None = None


@dataclasses.dataclass(frozen=True)
class FileResult:
    """A finder's results on one labelled file."""

    file: LabelledFile
    frames: tuple[LabelledFrameResult, ...]


def _frames(file: LabelledFile):
    if not file.is_video:
        yield Frame(read_image(file.media_path), 0, 0.0)
        return
    last = max(file.frames)
    with VideoFileSource(file.media_path) as source:
        for frame in source:
            yield frame
            if frame.index >= last:
                return


def evaluate_file(finder: HandFinder, file: LabelledFile, keep_rgb: bool = False,
                  options: MatchOptions = MatchOptions()) -> FileResult:
    """Run ``finder`` over ``file`` and score its labelled frames.

    A labelled frame index past the clip's end is scored as if nothing were predicted there
    (its hands count as missed).

    Raises:
        hdr_live.io.sources.InputError: the image or clip cannot be read.
    """
    finder.start(file.is_video)
    done: dict[int, LabelledFrameResult] = {}
    for frame in _frames(file):
        preds = finder.find(frame)
        labels = file.frames.get(frame.index)
        if labels is None:
            continue
        done[frame.index] = LabelledFrameResult(
            frame.index, tuple(preds), score_frame(labels, preds, file.complete, options),
            frame.rgb if keep_rgb else None)
    for index, labels in file.frames.items():
        if index not in done:
            done[index] = LabelledFrameResult(index, (), score_frame(labels, [], file.complete,
                                                                      options))
    return FileResult(file, tuple(done[i] for i in sorted(done)))
