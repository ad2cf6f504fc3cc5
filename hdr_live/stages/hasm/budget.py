"""When the learned HASM's full-frame detector runs: tracking mode, as MediaPipe Hands does it.

The detector (MediaPipe Hands on the whole frame) acquires hands and re-acquires lost ones.
While both hands are tracked with confidence, the prior comes from the pipeline's own previous
joints moved by the optical flow (:mod:`hdr_live.stages.hasm.joint_flow`), and the detector
runs only on a budget:

- on the first frames of a sequence (:data:`WARMUP_FRAMES`);
- when fewer than two hands were posed with a presence of at least ``min_track_score`` (a hand
  is lost, or was never found), not counting as lost a hand that the tracker looks for around
  the wrist a body points at (:attr:`hdr_live.stages.hasm.tracker.HandPriorTracker.
  searched_at_wrists`: the body's proposals search there, and a full-frame pass would only
  find it there too);
- when a posed hand's presence fell below ``detect_below_presence`` (it may be drifting);
- on a schedule: at least every ``detect_every`` frames (a check that the tracks are still on
  the hands and on the right sides).

The decision for a sequence's k-th prepared frame uses the poses of frame k−2, which the
pipeline's ``finish`` of frame k−1 hands to HASM as its prior; so the decision does not depend on
whether ``prepare`` of frame k overlaps ``finish`` of frame k−1 (the pipelined runtime) or not:
the outputs are the same either way. :meth:`DetectBudget.decide` waits (bounded) until that
``finish`` has started.
"""

from __future__ import annotations

import dataclasses
import threading

from hdr_live.joints import Side
from hdr_live.types import HandPose, Hands

#: The detector runs on every one of a sequence's first frames, until poses can be judged.
WARMUP_FRAMES = 2


@dataclasses.dataclass(frozen=True)
class BudgetOptions:
    """Options of :class:`DetectBudget` (see the module docstring).

    Attributes:
        detect_every: with both hands tracked, run the detector at least every N frames
            (1 = every frame, as before tracking mode).
        min_track_score: a pose below this presence does not count as tracked.
        detect_below_presence: a tracked pose below this presence asks for the detector.
        wait_s: longest time a decision waits for the ``finish`` it depends on; after that
            the detector runs (only when a caller breaks the prepare/finish contract).
    """

    detect_every: int = 10
    min_track_score: float = 0.5
    detect_below_presence: float = 0.8
    wait_s: float = 5.0

    def __post_init__(self) -> None:
        if self.detect_every < 1:
            raise ValueError(f"detect_every must be >= 1, got {self.detect_every}")


@dataclasses.dataclass(frozen=True)
class _Seen:
    """What a frame's poses say about tracking."""

    tracked: int  # hands with presence >= min_track_score
    min_presence: float  # lowest presence among the tracked ones (1.0 with none)


class DetectBudget:
    """Decides per frame whether the detector runs (see the module docstring).

    Thread use: :meth:`decide` from the prepare thread in frame order, :meth:`observe` from the
    finish thread in frame order; :meth:`reset` only when both are idle.
    """

    def __init__(self, options: BudgetOptions = BudgetOptions()) -> None:
        self.options = options
        self._cond = threading.Condition()
        self.reset()

    def reset(self) -> None:
        """A new sequence: the next frame is the first."""
        with self._cond:
            self._decided = 0  # frames decided so far
            self._observed: dict[int, _Seen] = {}  # observe() call number → what it saw
            self._n_observed = 0
            self._last_run = -(10**9)
            self._cond.notify_all()

    def observe(self, previous: Hands[HandPose],
                searched_at_wrists: frozenset[Side] = frozenset()) -> None:
        """The poses of the sequence's next frame (called at the start of each ``finish`` with
        the previous frame's poses; the first call's are the empty poses before frame 0), and
        the sides the tracker looked for around their arms' wrists on that frame."""
        posed = {side: p.score for side, p in previous.items()
                 if p.score >= self.options.min_track_score}
        tracked = len(set(posed) | set(searched_at_wrists))
        seen = _Seen(tracked, min(posed.values(), default=1.0))
        with self._cond:
            self._observed[self._n_observed] = seen
            self._n_observed += 1
            self._cond.notify_all()

    def decide(self) -> bool:
        """Whether the detector runs on the next frame (the sequence's k-th, from 0)."""
        o = self.options
        with self._cond:
            k = self._decided
            self._decided += 1
            if k < WARMUP_FRAMES:
                run = True
            else:
                # observe() call j carries the poses of frame j − 1: frame k − 2 is call k − 1
                ready = self._cond.wait_for(lambda: self._n_observed >= k, o.wait_s)
                seen = self._observed.pop(k - 1, None) if ready else None
                for old in [j for j in self._observed if j < k - 1]:
                    del self._observed[old]
                run = (seen is None or seen.tracked < 2
                       or seen.min_presence < o.detect_below_presence
                       or k - self._last_run >= o.detect_every)
            if run:
                self._last_run = k
            return run
