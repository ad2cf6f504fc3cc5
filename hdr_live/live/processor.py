"""The live app's per-frame work, switchable while it runs: pipeline + smoothing + mirroring.

:class:`LiveProcessor` gives :class:`hdr_live.runtime.Runtime` its ``prepare`` / ``process`` /
``postprocess`` functions. The user's :class:`~hdr_live.live.settings.LiveSettings` are read once
per frame in ``prepare`` and travel with the frame, so a change applies from one frame on, in
order, on both threads:

- a new mode / mirror / flow setting builds a new pipeline on the prepare thread (the stream
  pauses for that build, no frame is lost); the inference thread closes the old pipeline when it
  meets the first frame of the new one, so each pipeline is only ever used by one thread per half;
- a new smoothing setting restarts the smoother on the inference thread.

After closing a pipeline the C heap is trimmed (glibc ``malloc_trim``): MediaPipe graphs and
TFLite interpreters leave tens of MB of freed memory in the allocator's arenas, which repeated
switching would otherwise pile up (figures: docs/benchmarks.md, "Live runtime and speed").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
from collections.abc import Callable

import numpy as np

from hdr_live.build import build_pipeline
from hdr_live.config import App, InputKind, PipelineConfig, default_config
from hdr_live.live.settings import LiveSettings
from hdr_live.pipeline import PreparedFrame, StagedPipeline
from hdr_live.temporal.smoothing import PoseSmoother, Smoothing
from hdr_live.types import Frame, FrameResult

PipelineFactory = Callable[[PipelineConfig], StagedPipeline]


def release_freed_memory() -> None:
    """Give freed C-heap memory back to the OS (glibc ``malloc_trim(0)``; no-op elsewhere)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


@dataclasses.dataclass(frozen=True)
class LivePrepared:
    """A frame after :meth:`LiveProcessor.prepare`.

    Attributes:
        settings: the settings this frame is processed with.
        pipeline: the pipeline that prepared it (and will finish it).
        prepared: the pipeline's prepared frame (mirrored when ``settings.mirror``).
    """

    settings: LiveSettings
    pipeline: StagedPipeline
    prepared: PreparedFrame


class LiveProcessor:
    """Settings-driven pipeline switching for one runtime (see the module docstring).

    ``prepare`` must be called from one thread in frame order, ``finish`` and ``smooth`` from
    another (or the same) thread in the same order; ``settings`` may be set from any thread.
    """

    def __init__(
        self,
        settings: LiveSettings = LiveSettings(),
        config: PipelineConfig = default_config(App.LIVE, InputKind.LIVE),
        factory: PipelineFactory = build_pipeline,
    ) -> None:
        """Args:
            settings: the initial switchable settings.
            config: the pipeline's configuration under the settings (:meth:`LiveSettings.apply`).
            factory: builds a pipeline from a configuration (tests pass fakes).
        """
        self._settings = settings
        self._config = config
        self._factory = factory
        self._prepare_pipeline: StagedPipeline | None = None  # owned by the prepare thread
        self._prepare_key: tuple | None = None
        self._finish_pipeline: StagedPipeline | None = None  # owned by the finish thread
        self._smoother: PoseSmoother | None = None
        self._smoothing_of_last: Smoothing | None = None

    @property
    def settings(self) -> LiveSettings:
        return self._settings

    @settings.setter
    def settings(self, value: LiveSettings) -> None:
        self._settings = value

    @property
    def description(self) -> str:
        """The current pipeline's description (empty before the first frame)."""
        pipeline = self._finish_pipeline or self._prepare_pipeline
        return "" if pipeline is None else pipeline.description

    def prepare(self, frame: Frame) -> LivePrepared:
        """Mirror the frame if asked, switch pipeline if the settings changed, run its prepare."""
        settings = self._settings
        if settings.mirror:
            frame = Frame(np.ascontiguousarray(frame.rgb[:, ::-1]), frame.index, frame.t_capture_s)
        key = settings.pipeline_key()
        if self._prepare_pipeline is None or key != self._prepare_key:
            self._prepare_pipeline = self._factory(settings.apply(self._config))
            self._prepare_key = key
        pipeline = self._prepare_pipeline
        return LivePrepared(settings, pipeline, pipeline.prepare(frame))

    def finish(self, item: LivePrepared) -> FrameResult:
        """The rest of the pipeline; closes the previous pipeline at a switch."""
        if item.pipeline is not self._finish_pipeline:
            if self._finish_pipeline is not None:
                self._finish_pipeline.close()
                release_freed_memory()
            self._finish_pipeline = item.pipeline
            self._smoother = None  # new tracking: restart the filters too
        result = item.pipeline.finish(item.prepared)
        if item.settings.smoothing != self._smoothing_of_last:
            self._smoother = None
        self._smoothing_of_last = item.settings.smoothing
        return result

    def process(self, frame: Frame) -> FrameResult:
        """``finish(prepare(frame))`` on one thread (no pipelining)."""
        return self.finish(self.prepare(frame))

    def smooth(self, result: FrameResult) -> FrameResult:
        """Smooth ``result``'s poses with the filter of the last finished frame's settings.

        Fits the runtime's ``postprocess`` hook (same thread as ``finish``, right after it).
        """
        kind = self._smoothing_of_last
        options = None if kind is None else kind.smoother_options()
        if options is None:
            self._smoother = None
            return result
        if self._smoother is None:
            self._smoother = PoseSmoother(options)
        return self._smoother.apply(result)

    def close(self) -> None:
        """Close the pipelines. Call only after the runtime's threads ended."""
        pipelines = {id(p): p for p in (self._prepare_pipeline, self._finish_pipeline) if p}
        for pipeline in pipelines.values():
            pipeline.close()
        self._prepare_pipeline = self._finish_pipeline = None
