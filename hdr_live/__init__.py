"""hdr-live: real-time 3D pose of two interacting hands (HDR: hand de-occlusion and removal,
Meng et al., ECCV 2022) from a webcam, a video clip or images.

The public API (see :mod:`hdr_live.api` and the README)::

    import hdr_live
    with hdr_live.HandTracker(hdr_live.PipelineConfig()) as tracker:
        for result in tracker.track("clip.mp4"):
            ...

Names are loaded on first use, so importing a submodule (e.g. the UI) stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

#: Public name → the module that defines it.
_EXPORTS = {
    "HandTracker": "hdr_live.api",
    "TrackerUseError": "hdr_live.api",
    "PipelineConfig": "hdr_live.config",
    "InputKind": "hdr_live.config",
    "Mode": "hdr_live.config",
    "App": "hdr_live.config",
    "HasmConfig": "hdr_live.config",
    "HdrmConfig": "hdr_live.config",
    "ShpeConfig": "hdr_live.config",
    "TrackerConfig": "hdr_live.config",
    "ThreeDConfig": "hdr_live.config",
    "HasmKind": "hdr_live.config",
    "HdrmKind": "hdr_live.config",
    "default_config": "hdr_live.config",
    "build_pipeline": "hdr_live.build",
    "Smoothing": "hdr_live.temporal.smoothing",
    "FrameResult": "hdr_live.types",
    "HandPose": "hdr_live.types",
    "Intrinsics": "hdr_live.camera",
    "Hands": "hdr_live.types",
    "Joint": "hdr_live.joints",
    "Side": "hdr_live.joints",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'hdr_live' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
