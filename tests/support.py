"""Shared test helpers: where the real footage is (../shared/real, read-only; tests that need it
skip with a reason when it is absent), and the live app's test doubles (a fake pipeline and
generated frames)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from hdr_live.config import App, InputKind, PipelineConfig, default_config
from hdr_live.joints import Side
from hdr_live.stages.hasm.mediapipe_hands import HandDetection
from hdr_live.pipeline import PreparedFrame
from hdr_live.stages.hasm.silhouette import masks_from_joints
from hdr_live.types import Frame, FrameResult, HandGeometry, HandPose, Hands, StageTimings

REPO = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("HDR_LIVE_REAL_DIR", REPO.parent / "shared" / "real"))
CLIP = REAL / "video_dynhamr_demo3_two_hand_gestures_1280x720_16s.mp4"
SINGLE_RIGHT = REAL / "ih26m_cap04_0007_thumbup_normal_cam410028_f2017_CONTROL_single_right"
CLASPED = REAL / "ih26m_cap03_0390_dh_touchROM_cam400026_f69148"


def need_real(path: Path) -> Path:
    """Skip the calling test when a real-footage file is absent."""
    if not path.exists():
        pytest.skip(f"real footage not available: {path} (expects ../shared/real beside the repo)")
    return path


def count_video_frames(path: Path) -> int:
    """Frames decodable from a video file with PyAV (0 when it cannot be opened)."""
    import av

    try:
        with av.open(str(path)) as container:
            return sum(1 for _ in container.decode(video=0))
    except av.error.FFmpegError:
        return 0


LIVENESS_S = 15.0  # bound for "did not hang", not a speed requirement
H, W = 120, 160

CLIP_CONFIG = default_config(App.LIVE, InputKind.VIDEO)  # a clip played live: no frame dropped


def hand_joints(center: tuple[float, float], scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(21, 2) px and (21, 3) m of an upright open hand, wrist at the bottom."""
    px, rel = [np.zeros(2)], [np.zeros(3)]
    for f, angle in enumerate(np.deg2rad([-50, -20, -5, 10, 25])):
        d = np.array([np.sin(angle), -np.cos(angle)])
        for k in range(1, 5):
            px.append(d * 9.0 * k * scale)
            rel.append(np.r_[d * 0.02 * k, 0.001 * f])
    return np.array(px) + np.asarray(center), np.array(rel)


def fake_result(frame: Frame, label: str) -> FrameResult:
    """Two hands drifting with the frame index; masks from their joints."""
    poses, geoms = Hands(), Hands()
    for side, x in ((Side.RIGHT, 50.0), (Side.LEFT, 110.0)):
        px, rel = hand_joints((x + frame.index % 5, 90.0))
        poses = poses.with_side(side, HandPose(side, px, rel, np.ones(21, bool), 0.9))
        geoms = geoms.with_side(side, HandGeometry(px, rel))
    masks = masks_from_joints(geoms, frame.height, frame.width)
    return FrameResult(frame, masks, Hands(), poses, StageTimings(hasm_ms=1.0))


class FakePipeline:
    """A StagedPipeline test double; records its calls."""

    def __init__(self, config: PipelineConfig, log: list[str]) -> None:
        self.config, self.log = config, log
        self.description = f"fake {config.mode.value} mirror={config.mirrored}"
        self.frames_seen: list[np.ndarray] = []
        self.closed = 0

    def prepare(self, frame: Frame) -> PreparedFrame:
        self.frames_seen.append(frame.rgb)
        return PreparedFrame(frame, None, 0.0)

    def finish(self, prepared: PreparedFrame) -> FrameResult:
        return fake_result(prepared.frame, self.description)

    def process(self, frame: Frame) -> FrameResult:
        return self.finish(self.prepare(frame))

    def reset(self) -> None:
        self.log.append("reset")

    def close(self) -> None:
        self.closed += 1
        self.log.append(f"close {self.description}")


class Factory:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.made: list[FakePipeline] = []

    def __call__(self, config: PipelineConfig) -> FakePipeline:
        pipe = FakePipeline(config, self.log)
        self.made.append(pipe)
        return pipe


def gen_frames(n: int, live: bool = False) -> Iterator[Frame]:
    rng = np.random.default_rng(1)
    for i in range(n):
        rgb = rng.integers(0, 255, (H, W, 3), dtype=np.uint8)
        rgb[:, : W // 2] = 40  # left half dark: mirroring is visible
        yield Frame(rgb, i, i / 30.0)


# HASM test doubles -------------------------------------------------------------------------


def hand_box_joints(cx: float, cy: float, size: float = 40.0) -> np.ndarray:
    """(21, 2) frame-pixel joints of a schematic upright hand centred near (cx, cy), ``size`` px."""
    j = np.zeros((21, 2))
    for f, x in enumerate(np.linspace(-0.4, 0.4, 5)):
        for k in range(4):
            j[1 + 4 * f + k] = (cx + x * size, cy - (0.2 + 0.3 * k) * size)
    j[0] = (cx, cy + 0.5 * size)
    return j


class ScriptedDetector:
    """Stands in for MediaPipe: returns scripted detections frame by frame."""

    def __init__(self, script):
        self.script = list(script)

    def detect(self, frame):
        return self.script.pop(0) if self.script else []

    def reset(self):
        pass

    def close(self):
        pass


def scripted_detection(side, joints):
    return HandDetection(side, joints, np.zeros((21, 3)), 0.9)


def scripted_pose(side, joints, score=0.9):
    return HandPose(side, joints, np.zeros((21, 3)), np.ones(21, bool), score)


BLANK_FRAME = Frame(np.zeros((240, 400, 3), np.uint8), 0, 0.0)

DEV_REAL = Path(os.environ.get("HDR_LIVE_DEV_REAL_DIR", REPO.parent / "shared" / "dev_real"))


def need_dev_real(name: str) -> Path:
    """A file of ../shared/dev_real; skip the calling test when it is absent."""
    path = DEV_REAL / name
    if not path.exists():
        pytest.skip(f"dev_real media not available: {path} (expects ../shared/dev_real beside "
                    "the repo)")
    return path
