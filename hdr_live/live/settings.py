"""What the user of the live app can switch while it runs.

The pipeline itself is configured by :class:`hdr_live.config.PipelineConfig` (the live app's
defaults: :func:`hdr_live.config.default_config` with :attr:`~hdr_live.config.App.LIVE`);
:meth:`LiveSettings.apply` lays the switchable settings over it. The smoothing choice and its
filters live in :mod:`hdr_live.temporal.smoothing` (:class:`Smoothing`, re-exported here).
"""

from __future__ import annotations

import dataclasses

from hdr_live.config import Mode, PipelineConfig
from hdr_live.temporal.flow import FlowOptions
from hdr_live.temporal.smoothing import Smoothing

__all__ = ["LiveSettings", "Smoothing"]


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
