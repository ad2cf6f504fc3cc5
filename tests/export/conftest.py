"""Export-test fixtures: a synthetic pose log, and one the project makes from the real clip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from _export_helpers import write_synthetic_log
from hdr_live.export import PoseSeries

REPO = Path(__file__).resolve().parents[2]
REAL = Path(os.environ.get("HDR_LIVE_REAL_DIR", REPO.parent / "shared" / "real"))
CLIP = REAL / "video_dynhamr_demo3_two_hand_gestures_1280x720_16s.mp4"
REAL_FRAMES = 12


@pytest.fixture(scope="session")
def synthetic_log(tmp_path_factory) -> Path:
    """A 16-frame pose log of two moving hands, each absent on a few rows."""
    path = tmp_path_factory.mktemp("export") / "synthetic.jsonl"
    write_synthetic_log(path)
    return path


@pytest.fixture(scope="session")
def synthetic_series(synthetic_log) -> PoseSeries:
    return PoseSeries.from_pose_log(synthetic_log)


@pytest.fixture(scope="session")
def real_log(tmp_path_factory) -> Path:
    """``hdr-live process`` on the first frames of the real two-hand clip (skips without it)."""
    if not CLIP.exists():
        pytest.skip(f"real footage not available: {CLIP} (expects ../shared/real beside the repo)")
    path = tmp_path_factory.mktemp("export_real") / "real.jsonl"
    command = [sys.executable, "-m", "hdr_live.cli", "process", str(CLIP), "--poses", str(path),
               "--max-frames", str(REAL_FRAMES), "--no-progress"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stderr[-2000:]}"
    return path


@pytest.fixture(scope="session")
def real_series(real_log) -> PoseSeries:
    return PoseSeries.from_pose_log(real_log)
