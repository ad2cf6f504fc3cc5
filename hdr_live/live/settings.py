"""What the user of the live app can switch while it runs, and the live smoothing filters.

The pipeline itself is configured by :class:`hdr_live.config.PipelineConfig` (the live app's
defaults: :func:`hdr_live.config.default_config` with :attr:`~hdr_live.config.App.LIVE`);
:meth:`LiveSettings.apply` lays the switchable settings over it.
"""

from __future__ import annotations

import dataclasses
import enum

from hdr_live.config import Mode, PipelineConfig
from hdr_live.temporal.filters import KalmanOptions, OneEuroOptions
from hdr_live.temporal.flow import FlowOptions
from hdr_live.temporal.smoothing import DEFAULT_KALMAN_M, DEFAULT_ONE_EURO_M, SmootherOptions

#: Pixel-channel filters of the live app, tuned for 1280×720 footage (hands about 120 px wrist to
#: middle MCP) with ``benchmarks/jitter.py`` (figures in docs/benchmarks.md). The library defaults
#: (:data:`hdr_live.temporal.smoothing.DEFAULT_ONE_EURO_PX`) assume a 640×480 webcam with 40 px
#: hands and smooth such larger, faster-moving hands too little.
LIVE_ONE_EURO_PX = OneEuroOptions(min_cutoff_hz=0.5, beta=0.007, d_cutoff_hz=1.0)
LIVE_KALMAN_PX = KalmanOptions(measurement_std=3.0, acceleration_std=250.0, initial_velocity_std=300.0)


class Smoothing(str, enum.Enum):
    """Temporal smoothing choice of the live app."""

    OFF = "off"
    ONE_EURO = "one_euro"
    KALMAN = "kalman"

    def smoother_options(self) -> SmootherOptions | None:
        """The :class:`PoseSmoother` options, or None for off."""
        if self is Smoothing.OFF:
            return None
        if self is Smoothing.KALMAN:
            return SmootherOptions(px=LIVE_KALMAN_PX, rel_m=DEFAULT_KALMAN_M)
        return SmootherOptions(px=LIVE_ONE_EURO_PX, rel_m=DEFAULT_ONE_EURO_M)


@dataclasses.dataclass(frozen=True)
class LiveSettings:
    """What the user can switch while the app runs.

    Attributes:
        mode: ``hdr`` or the ``mediapipe`` reference.
        smoothing: joint smoothing filter.
        crop_flow: optical-flow consistency of the restored crops (``hdr`` mode).
        mirror: flip the image left-right before it is processed and shown (a selfie view of
            an un-mirrored camera); sides stay the person's own.
    """

    mode: Mode = Mode.HDR
    smoothing: Smoothing = Smoothing.ONE_EURO
    crop_flow: bool = False
    mirror: bool = False

    def apply(self, config: PipelineConfig) -> PipelineConfig:
        """``config`` with these settings laid over it: the mode, crop consistency, and a
        flipped image's mirroring (a flipped mirrored input is un-mirrored again)."""
        return dataclasses.replace(
            config,
            mode=self.mode,
            mirrored=config.mirrored != self.mirror,
            crop_consistency=FlowOptions() if self.crop_flow else None,
        )

    def pipeline_key(self) -> tuple:
        """The settings that need a new pipeline when they change."""
        return (self.mode, self.mirror, self.crop_flow)
