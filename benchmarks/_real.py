"""Where the benchmarks find the real footage (third-party, read from ../shared/real, never
copied), and quiet native loggers; imported first by each benchmark script."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "real"
REAL_CLIP = REAL_DIR / "video_dynhamr_demo3_two_hand_gestures_1280x720_16s.mp4"
