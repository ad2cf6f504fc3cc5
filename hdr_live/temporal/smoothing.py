"""Per-hand temporal smoothing of :class:`~hdr_live.types.HandPose` joints, the smoothing choice
offered to users (:class:`Smoothing`, with its tuned filters), and a jitter metric.

:class:`PoseSmoother` keeps, per side, one causal joint filter for ``joints_px`` (21, 2) and one
for ``joints_rel_m`` (21, 3), and, where the 3D stage ran, one for ``joints_cam_m`` (21, 3,
camera frame, so depth is steadied too) and one for ``lifted_rel_m`` (21, 3) (see
:mod:`hdr_live.temporal.filters`), driven by the frames' real capture times. It adds no
look-ahead: the output for frame ``t`` uses frames ``<= t`` only.

A side's filters restart from the raw measurement when the hand was absent in the previous call,
when time went backwards or jumped by more than ``max_gap_s``, or when the hand jumped by more
than ``jump_reset_hand_scales`` hand sizes (e.g. a tracking swap), so the smoother never drags a
hand across the image from where it was.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence

import numpy as np

from hdr_live.joints import NUM_JOINTS, Side, hand_scale_px
from hdr_live.temporal.filters import FilterOptions, JointFilter, KalmanOptions, OneEuroOptions
from hdr_live.temporal.kalman import KalmanJointFilter
from hdr_live.temporal.one_euro import OneEuroJointFilter
from hdr_live.types import FrameResult, HandPose, Hands


class FilterKind(enum.Enum):
    """Which joint filter :meth:`SmootherOptions.defaults` configures."""

    KALMAN = "kalman"
    ONE_EURO = "one_euro"


#: Defaults for a 640×480 webcam, hand ≈ 40 px wrist to middle MCP (≈ 9 cm, so 1 px ≈ 2.2 mm),
#: joint noise ≈ 2 px / 4 mm. Tuned on the synthetic trajectories of tests/temporal/test_smoothing.py:
#: jitter (mean joint acceleration) at most half of the raw one with a lag below one frame.
DEFAULT_KALMAN_PX = KalmanOptions(
    measurement_std=2.0, acceleration_std=700.0, initial_velocity_std=300.0
)
DEFAULT_KALMAN_M = KalmanOptions(
    measurement_std=0.004, acceleration_std=1.5, initial_velocity_std=0.6
)
DEFAULT_ONE_EURO_PX = OneEuroOptions(min_cutoff_hz=1.0, beta=0.03, d_cutoff_hz=1.0)
DEFAULT_ONE_EURO_M = OneEuroOptions(min_cutoff_hz=1.0, beta=40.0, d_cutoff_hz=1.0)
#: The camera-frame joints (``joints_cam_m``): the pixel channel's cut-off, its speed term
#: taken to metres at about 1 px per mm (a hand at arm's length before a 1280-px-wide camera),
#: so the projection of the smoothed 3D follows the smoothed 2D.
LIVE_ONE_EURO_CAM_M = OneEuroOptions(min_cutoff_hz=0.5, beta=7.0, d_cutoff_hz=1.0)
LIVE_KALMAN_CAM_M = KalmanOptions(measurement_std=0.003, acceleration_std=0.25,
                                  initial_velocity_std=0.3)


def make_joint_filter(options: FilterOptions, num_points: int, dims: int) -> JointFilter:
    """The filter that ``options`` describe, for ``num_points`` points of ``dims`` coordinates.

    Raises:
        TypeError: ``options`` is neither :class:`KalmanOptions` nor :class:`OneEuroOptions`.
        ValueError: non-positive sizes.
    """
    if isinstance(options, KalmanOptions):
        return KalmanJointFilter(options, num_points, dims)
    if isinstance(options, OneEuroOptions):
        return OneEuroJointFilter(options, num_points, dims)
    raise TypeError(f"unknown joint filter options: {type(options).__name__}")


@dataclasses.dataclass(frozen=True)
class SmootherOptions:
    """Options of :class:`PoseSmoother`.

    Attributes:
        px: filter for ``joints_px`` (units: frame pixels, seconds); its type selects the filter.
        rel_m: filter for ``joints_rel_m`` and ``lifted_rel_m`` (units: metres, seconds).
        cam_m: filter for ``joints_cam_m`` (camera frame, metres, seconds).
        jump_reset_hand_scales: restart a side when the median joint moved more than this many
            hand sizes (:func:`hdr_live.joints.hand_scale_px` of the last output) in one step.
        max_gap_s: restart a side when its previous measurement is older than this, seconds.
        min_hand_scale_px: floor of the hand size used by the jump test, pixels.
    """

    px: FilterOptions = DEFAULT_ONE_EURO_PX
    rel_m: FilterOptions = DEFAULT_ONE_EURO_M
    cam_m: FilterOptions = LIVE_ONE_EURO_CAM_M
    jump_reset_hand_scales: float = 1.5
    max_gap_s: float = 0.5
    min_hand_scale_px: float = 8.0

    def __post_init__(self) -> None:
        for name in ("px", "rel_m", "cam_m"):
            if not isinstance(getattr(self, name), (KalmanOptions, OneEuroOptions)):
                raise TypeError(f"SmootherOptions.{name} must be KalmanOptions or OneEuroOptions")
        if not (
            self.jump_reset_hand_scales > 0 and self.max_gap_s > 0 and self.min_hand_scale_px > 0
        ):
            raise ValueError(f"SmootherOptions thresholds must be positive: {self}")

    @staticmethod
    def defaults(kind: FilterKind) -> SmootherOptions:
        """The default options for ``kind`` (both channels use the same kind of filter)."""
        if kind is FilterKind.KALMAN:
            return SmootherOptions(px=DEFAULT_KALMAN_PX, rel_m=DEFAULT_KALMAN_M,
                                   cam_m=LIVE_KALMAN_CAM_M)
        return SmootherOptions(px=DEFAULT_ONE_EURO_PX, rel_m=DEFAULT_ONE_EURO_M)


#: Pixel-channel filters tuned for 1280×720 footage (hands about 120 px wrist to middle MCP) with
#: ``benchmarks/jitter.py`` (figures in docs/benchmarks.md), used by :class:`Smoothing`. The
#: library defaults (:data:`DEFAULT_ONE_EURO_PX`, :data:`DEFAULT_KALMAN_PX`) assume a 640×480
#: webcam with 40 px hands and smooth such larger, faster-moving hands too little.
LIVE_ONE_EURO_PX = OneEuroOptions(min_cutoff_hz=0.5, beta=0.007, d_cutoff_hz=1.0)
LIVE_KALMAN_PX = KalmanOptions(measurement_std=3.0, acceleration_std=250.0, initial_velocity_std=300.0)


class Smoothing(str, enum.Enum):
    """The temporal smoothing choice offered to users (the live window's control, ``process
    --smoothing``, :class:`hdr_live.HandTracker`): off, or a filter with the pixel channel
    :data:`LIVE_ONE_EURO_PX` / :data:`LIVE_KALMAN_PX` and the library default for metres."""

    OFF = "off"
    ONE_EURO = "one_euro"
    KALMAN = "kalman"

    def smoother_options(self) -> SmootherOptions | None:
        """The :class:`PoseSmoother` options, or None for off."""
        if self is Smoothing.OFF:
            return None
        if self is Smoothing.KALMAN:
            return SmootherOptions(px=LIVE_KALMAN_PX, rel_m=DEFAULT_KALMAN_M,
                                   cam_m=LIVE_KALMAN_CAM_M)
        return SmootherOptions(px=LIVE_ONE_EURO_PX, rel_m=DEFAULT_ONE_EURO_M,
                               cam_m=LIVE_ONE_EURO_CAM_M)


@dataclasses.dataclass
class _Track:
    px: JointFilter
    rel_m: JointFilter
    last_px: np.ndarray
    last_t_s: float
    cam_m: JointFilter | None = None  # made when the first 3D joints arrive
    lifted_rel_m: JointFilter | None = None


class PoseSmoother:
    """Causal per-side smoothing of hand poses (one filter pair per side, see module docstring).

    Not thread-safe: call it from one thread (e.g. the inference worker).
    """

    def __init__(self, options: SmootherOptions | None = None) -> None:
        self._options = options or SmootherOptions()
        self._tracks: dict[Side, _Track] = {}

    def reset(self, side: Side | None = None) -> None:
        """Forget ``side`` (or both sides when None); its next pose is passed through as is."""
        if side is None:
            self._tracks.clear()
        else:
            self._tracks.pop(side, None)

    def smooth(self, poses: Hands[HandPose], t_s: float) -> Hands[HandPose]:
        """Smooth the poses measured at ``t_s`` seconds (e.g. ``Frame.t_capture_s``).

        Args:
            poses: this frame's raw poses; a missing side resets that side.
            t_s: capture time in seconds; any clock, as long as it increases with the frames.

        Returns:
            The poses with ``joints_px`` (21, 2) px, ``joints_rel_m`` (21, 3) m and, where
            present, ``joints_cam_m`` and ``lifted_rel_m`` (21, 3) m replaced by the filtered
            ones (the wrist-relative ones keep row 0 at zero); ``visible``, ``score`` and
            ``inferred`` unchanged. A side that (re)starts returns exactly its measurement.

        Raises:
            ValueError: non-finite ``t_s`` or joints.
        """
        if not np.isfinite(t_s):
            raise ValueError(f"t_s must be finite, got {t_s}")
        out: Hands[HandPose] = Hands()
        for side in (Side.RIGHT, Side.LEFT):
            pose = poses.get(side)
            if pose is None:
                self._tracks.pop(side, None)
                continue
            out = out.with_side(side, self._smooth_side(side, pose, float(t_s)))
        return out

    def apply(self, result: FrameResult) -> FrameResult:
        """:meth:`smooth` ``result.poses`` at ``result.frame.t_capture_s``; a new FrameResult.

        Fits :class:`hdr_live.runtime.Runtime`'s ``postprocess`` hook.
        """
        poses = self.smooth(result.poses, result.frame.t_capture_s)
        return dataclasses.replace(result, poses=poses)

    def _smooth_side(self, side: Side, pose: HandPose, t_s: float) -> HandPose:
        track = self._tracks.get(side)
        if track is None or self._must_restart(track, pose, t_s):
            track = _Track(
                px=make_joint_filter(self._options.px, NUM_JOINTS, 2),
                rel_m=make_joint_filter(self._options.rel_m, NUM_JOINTS, 3),
                last_px=pose.joints_px,
                last_t_s=t_s,
            )
            self._tracks[side] = track
            px = track.px.reset(t_s, pose.joints_px)
            rel_m = track.rel_m.reset(t_s, pose.joints_rel_m)
        else:
            px = track.px.step(t_s, pose.joints_px, pose.visible)
            rel_m = track.rel_m.step(t_s, pose.joints_rel_m, pose.visible)
        rel_m = rel_m - rel_m[0]
        track.last_px, track.last_t_s = px, t_s
        cam_m, track.cam_m = self._step_3d(track.cam_m, self._options.cam_m, t_s,
                                           pose.joints_cam_m, pose.visible)
        lifted, track.lifted_rel_m = self._step_3d(track.lifted_rel_m, self._options.rel_m, t_s,
                                                   pose.lifted_rel_m, pose.visible)
        return dataclasses.replace(pose, joints_px=px, joints_rel_m=rel_m, joints_cam_m=cam_m,
                                   lifted_rel_m=None if lifted is None else lifted - lifted[0])

    @staticmethod
    def _step_3d(joint_filter: JointFilter | None, options: FilterOptions, t_s: float,
                 joints_m: np.ndarray | None, visible: np.ndarray
                 ) -> tuple[np.ndarray | None, JointFilter | None]:
        """One 3D channel: (filtered joints, its filter); a channel without joints this frame
        drops its filter, one without a filter starts from the measurement."""
        if joints_m is None:
            return None, None
        if joint_filter is None:
            joint_filter = make_joint_filter(options, NUM_JOINTS, 3)
            return joint_filter.reset(t_s, joints_m), joint_filter
        return joint_filter.step(t_s, joints_m, visible), joint_filter

    def _must_restart(self, track: _Track, pose: HandPose, t_s: float) -> bool:
        o = self._options
        dt = t_s - track.last_t_s
        if dt < 0.0 or dt > o.max_gap_s:
            return True
        scale = max(hand_scale_px(track.last_px), o.min_hand_scale_px)
        moved = float(np.median(np.linalg.norm(pose.joints_px - track.last_px, axis=1)))
        return moved > o.jump_reset_hand_scales * scale


def mean_joint_acceleration_px(seq: Sequence[HandPose | None]) -> float:
    """Jitter of one hand's 2D joints: mean |x[t+1] − 2·x[t] + x[t−1]| in px/frame².

    The norm is the Euclidean length of the (x, y) second difference of each joint; the mean is
    over the 21 joints and every frame ``t`` whose neighbours ``t−1`` and ``t+1`` also hold the
    hand. Frames are taken as consecutive entries of ``seq``, whatever their timestamps.

    Args:
        seq: one side's pose per frame, None where that hand is absent.

    Returns:
        The mean, float >= 0, in pixels per frame².

    Raises:
        ValueError: no three consecutive frames hold the hand.
    """
    total, count = 0.0, 0
    for prev, cur, nxt in zip(seq, seq[1:], seq[2:]):
        if prev is None or cur is None or nxt is None:
            continue
        acc = nxt.joints_px - 2.0 * cur.joints_px + prev.joints_px
        total += float(np.linalg.norm(acc, axis=1).sum())
        count += NUM_JOINTS
    if count == 0:
        raise ValueError("no three consecutive frames hold the hand")
    return total / count
