"""The joint prior for HASM, closed loop: each hand's joints from the pipeline's previous frame,
moved forward into the current frame by sparse optical flow
(:mod:`hdr_live.stages.hasm.joint_flow`), with MediaPipe Hands (palm detector + landmark model on
the full frame) to start and re-acquire.

Identity: a track keeps the side it was born with; a detection that lands on a track refreshes its
joints but not its side. A side changes only after ``flip_after`` consecutive matched detections
all labelled the other side while that side is free. Two tracks never share a side, and a track
that lies on top of the other (duplicate) is dropped: the coasting one, else the younger one.
Duplicate detections (MediaPipe sometimes reports one hand twice, once per label) are merged
first. When MediaPipe Hands leaves a hand
missing (or only coasting), an optional :class:`~hdr_live.stages.hasm.palm.PalmReacquirer`
looks for it among low-scoring palm candidates verified by the landmark network.

A hand the pipeline loses coasts on its last joints for a few frames, or for longer when it was
lost touching the other hand (hidden behind it); a new detection of its side elsewhere replaces a
coasting track.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.joints import Side, hand_scale_px
from hdr_live.stages.hasm.joint_flow import JointFlow, JointFlowOptions
from hdr_live.stages.hasm.mediapipe_hands import HandDetection, MediaPipeHands
from hdr_live.stages.body.pose import BodyPose
from hdr_live.stages.hasm.from_body import BodyHands
from hdr_live.stages.hasm.palm import PalmReacquirer
from hdr_live.types import HandGeometry
from hdr_live.types import Frame, HandPose, Hands


@dataclasses.dataclass(frozen=True)
class TrackerOptions:
    """Options of :class:`HandPriorTracker`.

    Attributes:
        detect_every: with both hands tracked, run the detector only every N frames (1 = always).
        min_track_score: a previous pose below this presence does not continue its track.
        match_dist: a detection matches a track when their mean joint distance is below this many
            hand sizes (wrist→middle MCP).
        duplicate_dist: two hands closer than this many hand sizes are one hand.
        flip_after: consecutive opposite-label detections needed to change a track's side.
        reacquire_every: with fewer than two hands after detection, try the low-threshold palm
            re-acquirer (if given) at most every N frames (1 = every frame, e.g. for stills).
        reacquire_at_wrists: while a body is in view and the arm of every side without a
            live hand has its hand region in the frame, the missing hands are looked for
            around their wrists (the body's proposals, :meth:`~hdr_live.stages.hasm.from_body.
            BodyHands.propose`), and the palm re-acquirer's blind search of the whole frame runs
            only on the loss's first frame (off: whenever ``reacquire_every`` allows).
        coast_frames: a track whose hand the pipeline lost (no pose, or presence below
            ``min_track_score``) keeps giving its last joints as the prior for up to this many
            frames, so HASM can still predict the amodal mask of a hand that went behind the
            other one and HDRM can de-occlude it; 0 = drop the track at once. A coasting track
            never outranks a live one (duplicates drop the coasting one first).
        occluded_coast_frames: the coasting limit, instead of ``coast_frames``, of a slow hand
            lost next to the other hand (some joint of its last pose within ``contact_dist``
            hand sizes of the other hand's pose): most likely hidden behind it or its forearm,
            it keeps its last joints as the prior through a longer occlusion so that HASM,
            HDRM and the SHPE can pick it up as it re-emerges (a hand hidden by the other is
            the case HDR is for). A live detection of its side elsewhere replaces a coasting
            track at once, so a long coast never blocks re-acquisition.
        contact_dist: see ``occluded_coast_frames``.
        max_coast_speed: a hand that moved less than this many hand sizes per frame (mean
            joint displacement over its last two poses) coasts on its last joints, which stay
            put (it is most likely hidden behind the other hand, where the flow would follow
            the occluder). A faster hand's last joints go stale at once and would lead HASM onto
            the other hand: it coasts only while the optical flow follows it (``flow`` on and
            enough joints pass the forward–backward check, e.g. a hand lost to motion blur),
            its joints moved by the flow each frame.
        flow: move a live track's joints from the previous frame into the current one with
            optical flow (None = use them where they were; set None for unrelated stills).
        refresh_live: a detection that lands on a live track (posed on the previous frame)
            replaces its joints. Off in tracking mode (:mod:`hdr_live.stages.hasm.budget`):
            there the pipeline's own pose, moved by the flow, is the better prior, and a
            detector that sees two overlapping hands as one would pull both tracks onto one
            hand; such a detection still votes on the track's side.
        arm_flip_after: with a body (:mod:`hdr_live.stages.hasm.from_body`), consecutive
            frames on which the arms say the two tracks' sides are exchanged before they are
            (1 for stills).
    """

    detect_every: int = 1
    min_track_score: float = 0.5
    match_dist: float = 1.0
    duplicate_dist: float = 0.35
    flip_after: int = 15
    reacquire_every: int = 3
    reacquire_at_wrists: bool = False
    coast_frames: int = 10
    occluded_coast_frames: int = 60
    contact_dist: float = 0.5
    max_coast_speed: float = 0.2
    flow: JointFlowOptions | None = JointFlowOptions()
    refresh_live: bool = True
    arm_flip_after: int = 10


@dataclasses.dataclass
class _Track:
    geometry: HandGeometry
    opposite_votes: int = 0
    missed: int = 0  # consecutive frames the pipeline had no pose for this track
    age: int = 0  # frames since the track was born
    speed: float = 0.0  # hand sizes per frame between its last two poses
    lost_in_contact: bool = False  # its last pose touched the other hand's (see contact_dist)
    pose_px: np.ndarray | None = None  # the pipeline's last pose of this hand (21, 2)
    at_edge: bool = False  # its last pose touched the frame's border (it left the frame)


def _at_edge(joints_px: np.ndarray | None, frame: Frame, margin: float = 0.1) -> bool:
    """Whether joints come within ``margin`` hand sizes of the frame's border."""
    if joints_px is None:
        return False
    pad = margin * max(hand_scale_px(joints_px), 1.0)
    lo, hi = joints_px.min(axis=0), joints_px.max(axis=0)
    return bool(lo[0] < pad or lo[1] < pad or hi[0] > frame.width - 1 - pad
                or hi[1] > frame.height - 1 - pad)


def _mean_dist(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b, axis=1).mean())


class HandPriorTracker:
    """Per-frame joint prior for both hands (see the module docstring)."""

    def __init__(self, detector: MediaPipeHands, options: TrackerOptions = TrackerOptions(),
                 reacquirer: PalmReacquirer | None = None, body: BodyHands | None = None):
        self.detector = detector
        self.reacquirer = reacquirer
        self.body = body
        #: The body pose used on the last frame (None: no body, or no body tracker).
        self.last_body: BodyPose | None = None
        self.options = options
        self._tracks: dict[Side, _Track] = {}
        self._frames = 0
        self._last_reacquire = -(10**9)
        self._blind_searched = False
        self._searched_at_wrists: frozenset[Side] = frozenset()
        self._flow = None if options.flow is None else JointFlow(options.flow)
        self._arm_votes = 0

    def arm_wrists_px(self, frame: Frame) -> Hands[np.ndarray]:
        """Per side the wrist at the end of that arm of the body of the last :meth:`update`,
        (2,) float64 frame pixels, where it lies inside ``frame``; empty without a body."""
        body = self.last_body
        if body is None:
            return Hands()

        def wrist(side: Side) -> np.ndarray | None:
            xy = np.array(body.arm(side).wrist_px, dtype=np.float64)
            return xy if 0 <= xy[0] < frame.width and 0 <= xy[1] < frame.height else None

        return Hands.of(wrist)

    @property
    def coasting(self) -> frozenset[Side]:
        """The sides whose track coasts (its hand was lost) after the last :meth:`update`."""
        return frozenset(side for side, t in self._tracks.items() if t.missed)

    def reset(self) -> None:
        """Forget all tracks, the detector's own tracking and the flow's previous frame."""
        self.detector.reset()
        if self.body is not None:
            self.body.reset()
        self.last_body = None
        self._arm_votes = 0
        self._tracks = {}
        self._frames = 0
        self._last_reacquire = -(10**9)
        self._blind_searched = False
        self._searched_at_wrists: frozenset[Side] = frozenset()
        if self._flow is not None:
            self._flow.reset()

    def update(self, frame: Frame, previous: Hands[HandPose],
               detections: list[HandDetection] | None = None) -> Hands[HandGeometry]:
        """The prior for ``frame``.

        Args:
            frame: the current frame.
            previous: the pipeline's poses of the previous frame (empty for a new sequence).
            detections: MediaPipe Hands' detections on ``frame`` when the caller already ran
                the detector (two-phase HASM); None = run it here when needed.

        Returns:
            Joint geometry per side (None where there is no prior).
        """
        if self._flow is not None:
            self._flow.push(frame.rgb)
        body = self.last_body = None if self.body is None else self.body.update(frame)
        self._continue_tracks(previous, frame)
        # two tracks that collapsed onto one hand are merged before detections are matched,
        # so a detection of the hand the other track left can start it again
        self._drop_duplicates()
        if len(self._tracks) < 2 or self._frames % self.options.detect_every == 0:
            found = self.detector.detect(frame) if detections is None else list(detections)
            self._absorb(self._sided(found, body))
        self._drop_duplicates()
        if body is not None:
            self._from_body(frame, body)
        live = {side: t for side, t in self._tracks.items() if not t.missed}
        if len(live) == 2:
            self._blind_searched = False  # the next loss gets one blind search
        if (len(live) < 2 and self.reacquirer is not None
                and self._frames - self._last_reacquire >= self.options.reacquire_every
                and self._blind_search_due(frame, live)):
            self._last_reacquire = self._frames
            known = Hands(**{side.value: t.geometry.joints_px for side, t in live.items()})
            self._absorb(self.reacquirer.find(frame, known))
            self._drop_duplicates()
        self._searched_at_wrists = frozenset(self._pointed_missing(frame))
        self._frames += 1
        for track in self._tracks.values():
            track.age += 1
        return Hands(
            left=self._tracks[Side.LEFT].geometry if Side.LEFT in self._tracks else None,
            right=self._tracks[Side.RIGHT].geometry if Side.RIGHT in self._tracks else None,
        )

    @property
    def searched_at_wrists(self) -> frozenset[Side]:
        """The sides without a live hand after the last :meth:`update` whose arm's wrist the
        body points at (``reacquire_at_wrists`` on): they are looked for there, by the body's
        proposals, so a full-frame detection need not look for them
        (:mod:`hdr_live.stages.hasm.budget`)."""
        return self._searched_at_wrists

    def _pointed_missing(self, frame: Frame) -> list[Side]:
        """The sides without a live track whose hand region this frame's body puts in view
        (none without a body, or with ``reacquire_at_wrists`` off)."""
        body = self.last_body
        if body is None or not self.options.reacquire_at_wrists:
            return []
        return [side for side in (Side.LEFT, Side.RIGHT)
                if (side not in self._tracks or self._tracks[side].missed)
                and self.body.hand_region(frame, body, side) is not None]

    def _blind_search_due(self, frame: Frame, live: dict[Side, _Track]) -> bool:
        """Whether the palm re-acquirer may search the whole frame now: not when it did since
        the loss began and this frame's body points at every missing hand (its arm's hand
        region lies in the frame, :meth:`~hdr_live.stages.hasm.from_body.BodyHands.
        hand_region`): the body's proposals look for it around its wrist."""
        if not self.options.reacquire_at_wrists:
            return True
        pointed = len(self._pointed_missing(frame)) + len(live) == 2
        if pointed and self._blind_searched:
            return False
        self._blind_searched = True
        return True

    def _sided(self, detections: list[HandDetection],
               body: BodyPose | None) -> list[HandDetection]:
        """Detections with the side of the arm they hang from, where an arm decides it; those
        the body refuses are left out."""
        if body is None:
            return detections
        out = []
        for det in detections:
            if self.body.refuses(body, det.joints_px):
                continue
            side = self.body.side_of(body, det.joints_px)
            out.append(det if side is None or side is det.side
                       else dataclasses.replace(det, side=side, side_score=1.0))
        return out

    def _from_body(self, frame: Frame, body: BodyPose) -> None:
        """Tracks moved to the side of their arm, hidden hands anchored or dropped by their
        arm, live tracks the body refuses dropped, and a hand proposed at the end of each arm
        without a live hand."""
        for side, track in list(self._tracks.items()):
            if not track.missed and self.body.refuses(body, track.geometry.joints_px):
                del self._tracks[side]
        self._sides_by_arm(body)
        for side, track in list(self._tracks.items()):
            if not track.missed:
                continue
            other = self._tracks.get(side.other)
            joints = self.body.hidden_hand(frame, body, side, track.geometry.joints_px,
                                             None if other is None or other.missed
                                             else other.geometry.joints_px)
            if joints is None:
                del self._tracks[side]
            else:
                track.geometry = HandGeometry(joints, track.geometry.joints_rel_m)
        if not self.body.measured:
            return  # proposals only on frames the body was measured (its budget)
        for side in (Side.LEFT, Side.RIGHT):
            track = self._tracks.get(side)
            if track is None or track.missed:
                det = self.body.propose(frame, body, side)
                if det is not None:
                    self._absorb([det])

    def _sides_by_arm(self, body: BodyPose) -> None:
        """Exchange the tracks' sides after ``arm_flip_after`` frames in a row on which an arm
        says so (one hand hangs from the other side's arm, the other hand from no arm or from
        the first's); not while the two hands touch, where the arms' wrists are unreliable."""
        live = {side: t for side, t in self._tracks.items() if not t.missed}
        sides = {side: self.body.side_of(body, t.geometry.joints_px) for side, t in live.items()}
        touching = len(live) == 2 and self._near(live[Side.LEFT].geometry.joints_px,
                                                 live[Side.RIGHT].geometry.joints_px)
        wrong = not touching and any(
            arm is side.other and sides.get(side.other) in (None, side)
            for side, arm in sides.items())
        self._arm_votes = self._arm_votes + 1 if wrong else 0
        if self._arm_votes >= self.options.arm_flip_after:
            self._tracks = {s.other: t for s, t in self._tracks.items()}
            self._arm_votes = 0

    def _continue_tracks(self, previous: Hands[HandPose], frame: Frame) -> None:
        kept = {}
        for side, track in self._tracks.items():
            pose = previous.get(side)
            if pose is not None and pose.score >= self.options.min_track_score:
                scale = max(hand_scale_px(pose.joints_px), 1.0)
                track.speed = 0.0 if track.missed or track.pose_px is None else \
                    _mean_dist(pose.joints_px, track.pose_px) / scale
                track.pose_px = pose.joints_px
                joints = pose.joints_px if self._flow is None else \
                    self._flow.advance(pose.joints_px).joints_px
                track.geometry = HandGeometry(joints, pose.joints_rel_m)
                track.missed = 0
                kept[side] = track
                continue
            if track.missed == 0:
                track.lost_in_contact = self._touches(track, previous.get(side.other))
                track.at_edge = _at_edge(track.pose_px, frame)
            limit = (self.options.occluded_coast_frames if track.lost_in_contact
                     else self.options.coast_frames)
            if track.at_edge:
                continue  # it left the frame: nothing to infer
            if track.missed < limit and self._coast(track):
                track.missed += 1
                kept[side] = track
        self._tracks = kept

    def _touches(self, track: _Track, other: HandPose | None) -> bool:
        """Whether a track's last pose came within ``contact_dist`` hand sizes of ``other``."""
        if track.pose_px is None or other is None:
            return False
        return self._near(track.pose_px, other.joints_px)

    def _near(self, joints_px: np.ndarray, other_px: np.ndarray) -> bool:
        """Whether two hands' joints come within ``contact_dist`` hand sizes (of the first)."""
        scale = max(hand_scale_px(joints_px), 1.0)
        gaps = np.linalg.norm(joints_px[:, None, :] - other_px[None, :, :], axis=2)
        return float(gaps.min()) / scale < self.options.contact_dist

    def _coast(self, track: _Track) -> bool:
        """Whether a track the pipeline lost coasts this frame (see ``max_coast_speed``); a
        fast one is moved by the flow when it coasts."""
        if track.speed < self.options.max_coast_speed:
            return True
        if self._flow is None:
            return False
        flowed = self._flow.advance(track.geometry.joints_px)
        if flowed.moved:
            track.geometry = HandGeometry(flowed.joints_px, track.geometry.joints_rel_m)
        return flowed.moved

    def _absorb(self, detections: list[HandDetection]) -> None:
        detections = self._distinct(detections)
        matches = self._match(detections)
        for i, det in enumerate(detections):
            side = matches.get(i)
            if side is None:
                continue
            track = self._tracks[side]
            if track.missed or self.options.refresh_live:
                track.geometry = HandGeometry(det.joints_px, det.joints_rel_m)
                track.missed = 0
            track.opposite_votes = track.opposite_votes + 1 if det.side is not side else 0
            if track.opposite_votes >= self.options.flip_after and side.other not in self._tracks:
                self._tracks[side.other] = _Track(track.geometry)
                del self._tracks[side]
        unmatched = [d for i, d in enumerate(detections) if i not in matches]
        for det in sorted(unmatched, key=lambda d: -d.side_score):
            # its own label first; a side held by a coasting track counts as free
            side = next((s for s in (det.side, det.side.other)
                         if s not in self._tracks or self._tracks[s].missed), None)
            if side is not None:
                self._tracks[side] = _Track(HandGeometry(det.joints_px, det.joints_rel_m))

    def _distinct(self, detections: list[HandDetection]) -> list[HandDetection]:
        """Detections with duplicates removed: of two detections closer than ``duplicate_dist``
        hand sizes (MediaPipe sometimes returns one hand twice, with both labels), the one with
        the higher handedness score is kept."""
        kept: list[HandDetection] = []
        for det in sorted(detections, key=lambda d: -d.side_score):
            scale = max(hand_scale_px(det.joints_px), 1.0)
            if all(_mean_dist(det.joints_px, k.joints_px) / scale >= self.options.duplicate_dist
                   for k in kept):
                kept.append(det)
        return kept

    def _match(self, detections: list[HandDetection]) -> dict[int, Side]:
        """Greedy one-to-one matching of detections to tracks by mean joint distance."""
        pairs = []
        for i, det in enumerate(detections):
            scale = max(hand_scale_px(det.joints_px), 1.0)
            for side, track in self._tracks.items():
                d = _mean_dist(det.joints_px, track.geometry.joints_px) / scale
                if d < self.options.match_dist:
                    pairs.append((d, i, side))
        matches: dict[int, Side] = {}
        for _, i, side in sorted(pairs, key=lambda p: p[0]):
            if i not in matches and side not in matches.values():
                matches[i] = side
        return matches

    def _drop_duplicates(self) -> None:
        if len(self._tracks) < 2:
            return
        r, l_ = self._tracks[Side.RIGHT].geometry, self._tracks[Side.LEFT].geometry
        scale = max(hand_scale_px(r.joints_px), hand_scale_px(l_.joints_px), 1.0)
        if _mean_dist(r.joints_px, l_.joints_px) / scale < self.options.duplicate_dist:
            weaker = max(self._tracks, key=lambda s: (self._tracks[s].missed,
                                                       -self._tracks[s].age,
                                                       self._tracks[s].opposite_votes))
            del self._tracks[weaker]
