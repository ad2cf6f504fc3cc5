"""HASM's interface: what every hand amodal segmentation backend offers (HDR paper §3.2).

A backend implements :class:`Hasm`; one whose heavy part needs no earlier frame's result also
implements :class:`TwoPhaseHasm`, so a pipelined runtime can run :meth:`TwoPhaseHasm.detect` of
frame t+1 while the later stages of frame t still run.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol, runtime_checkable

from hdr_live.stages.hasm.mediapipe_hands import HandDetection
from hdr_live.types import Frame, HandPose, Hands, HasmOutput


class Hasm(Protocol):
    """A hand amodal segmentation backend."""

    #: Short human-readable name shown in the CLI and the video overlay.
    name: str

    def segment(self, frame: Frame, previous: Hands[HandPose]) -> HasmOutput:
        """Four masks for ``frame``.

        Args:
            frame: the input frame.
            previous: the pipeline's poses of the previous frame of the same sequence (empty for
                the first frame or a still image); a backend may use them as a joint prior.
        """
        ...

    def reset(self) -> None:
        """Forget all state carried between frames (new sequence)."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...


@dataclasses.dataclass(frozen=True)
class HasmDetections:
    """The heavy, history-free half of a two-phase HASM (see :class:`TwoPhaseHasm`).

    Attributes:
        detections: the detector's hands on the frame, at most one per side; ``joints_px`` in
            full-frame pixels.
        detect_ms: wall-clock milliseconds the detector took.
        ran: False when the detector skipped this frame (its budget,
            :class:`hdr_live.stages.hasm.budget.DetectBudget`, or the baseline's
            :class:`~hdr_live.stages.hasm.baseline.DetectSchedule`); the hands then come from
            the previous frame's poses.
    """

    detections: tuple[HandDetection, ...]
    detect_ms: float
    ran: bool = True


@runtime_checkable
class TwoPhaseHasm(Hasm, Protocol):
    """A HASM whose :meth:`Hasm.segment` splits into ``detect`` then ``segment_detected``.

    ``segment(frame, previous)`` must equal ``segment_detected(frame, detect(frame), previous)``.
    ``detect`` is called in frame order from one thread, ``segment_detected`` in frame order from
    another; they may overlap for different frames.
    """

    def detect(self, frame: Frame) -> HasmDetections:
        """The part that does not need the previous frame's poses."""
        ...

    def segment_detected(
        self, frame: Frame, detected: HasmDetections, previous: Hands[HandPose]
    ) -> HasmOutput:
        """The four masks from ``detected`` and the previous frame's poses."""
        ...
