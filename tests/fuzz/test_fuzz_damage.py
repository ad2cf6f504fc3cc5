"""Fuzz: random byte damage to a copy of a real clip and to a copy of a weights file.

A damaged clip ends in a clear InputError (nothing written) or decodes what it can: every frame
valid, times never negative and never going back, and the MP4 and the pose log written from it
hold the same frames. A damaged weights file ends in a WeightsError or loads; no input is ever
written over (settings: fuzz_settings.py)."""

from __future__ import annotations

import hashlib
import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("hypothesis", reason="the fuzz suite needs hypothesis (extra 'dev')")
from hypothesis import event, given, strategies as st  # noqa: E402

from support import REPO, count_video_frames  # noqa: E402
from fuzz_settings import fuzz_settings, hang_guard  # noqa: E402
from hdr_live.io.pose_log import PoseLogWriter, read_pose_log  # noqa: E402
from hdr_live.io.sources import InputError, VideoFileSource  # noqa: E402
from hdr_live.io.video_writer import Mp4Writer  # noqa: E402
from hdr_live.types import FrameResult, HandMasks, Hands, StageTimings  # noqa: E402
from hdr_live.weights import WEIGHTS_DIR, WeightsError  # noqa: E402

DEMO = REPO / "assets" / "demo_two_hands.mp4"

# one edit of a file: (kind, where as a fraction of its length, length in bytes, seed)
_EDIT = st.tuples(st.sampled_from(["random", "zeros", "ones", "flip", "truncate", "delete",
                                   "insert", "repeat"]),
                  st.floats(0.0, 1.0), st.integers(1, 4096), st.integers(0, 2**32 - 1))


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _edit(data: bytearray, kind: str, where: float, length: int, seed: int) -> bytearray:
    at = min(int(where * len(data)), max(len(data) - 1, 0))
    chunk = np.random.default_rng(seed).integers(0, 256, length, dtype=np.uint8).tobytes()
    end = min(at + length, len(data))
    if kind == "truncate":
        return data[:at]
    if kind == "delete":
        return data[:at] + data[end:]
    if kind == "insert":
        return data[:at] + chunk + data[at:]
    if kind == "repeat":
        return data[:end] + data[at:end] + data[end:]
    fill = {"random": chunk[: end - at], "zeros": bytes(end - at), "ones": b"\xff" * (end - at),
            "flip": bytes(b ^ (1 << (seed % 8)) for b in data[at:end])}[kind]
    data[at:end] = fill
    return data


def _damaged_copy(src: Path, dst: Path, edits) -> Path:
    data = bytearray(src.read_bytes())
    for edit in edits:
        data = _edit(data, *edit)
    dst.write_bytes(bytes(data))
    return dst


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    """The bundled real clip (index at the end) and a stream copy of it with the index first
    (damage then hits the frames more often than the index)."""
    import av

    path = tmp_path_factory.mktemp("faststart") / "demo_faststart.mp4"
    with av.open(str(DEMO)) as src, \
            av.open(str(path), "w", options={"movflags": "faststart"}) as dst:
        stream = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                dst.mux(packet)
    return {"index last": DEMO, "index first": path}


def _empty_result(frame) -> FrameResult:
    h, w = frame.rgb.shape[:2]
    return FrameResult(frame, HandMasks.empty(h, w), Hands(), Hands(), StageTimings())


def _write_outputs(source, video: Path, log: Path) -> list[float]:
    """Decode everything; each frame to the MP4 and the pose log, as ``process`` does."""
    times = []
    with Mp4Writer(video, source.fps) as writer, PoseLogWriter(log) as poses:
        for frame in source:
            assert frame.index == len(times)
            times.append(frame.t_capture_s)
            poses.write(_empty_result(frame))
            writer.write(np.ascontiguousarray(frame.rgb[::4, ::4]))
    return times


@fuzz_settings(40)
@given(which=st.sampled_from(["index last", "index first"]),
       edits=st.lists(_EDIT, min_size=1, max_size=4))
def test_damaged_clip_gives_an_error_or_consistent_outputs(tmp_path_factory, clips, which, edits):
    tmp = tmp_path_factory.mktemp("clip")
    original = _sha(clips[which])
    clip = _damaged_copy(clips[which], tmp / "damaged.mp4", edits)
    damaged = _sha(clip)
    video, log = tmp / "out.mp4", tmp / "poses.jsonl"
    with hang_guard(120):
        try:
            source = VideoFileSource(clip)
        except InputError as exc:
            event("refused with InputError")
            assert str(clip) in str(exc) and not video.exists() and not log.exists()
        else:
            with source:
                times = _write_outputs(source, video, log)
            event(f"decoded {len(times) // 30 * 30}+ frames, {min(source.skipped, 1)}+ skipped")
            assert times and times[0] >= 0.0 and all(b > a for a, b in itertools.pairwise(times))
            assert [r["frame"] for r in read_pose_log(log)] == list(range(len(times)))
            assert count_video_frames(video) == len(times)
    assert _sha(clip) == damaged and _sha(clips[which]) == original


def _weights_copy(tmp: Path, stem: str) -> Path:
    for path in WEIGHTS_DIR.glob(f"{stem}.*"):
        shutil.copy(path, tmp / path.name)
    return tmp / f"{stem}.safetensors"


def _load(stem: str, weights: Path):
    if stem == "hdrm_hdrnet":
        from hdr_live.stages.hdrm.learned import Runtime, load_hdrm

        return load_hdrm(weights, Runtime.ONNX, threads=1)
    from hdr_live.stages.hasm.learned import load_mask_net

    return load_mask_net(weights)


@fuzz_settings(30)
@given(stem=st.sampled_from(["hdrm_hdrnet", "hasm_mitb0"]),
       suffix=st.sampled_from([".safetensors", ".onnx", ".json"]),
       edits=st.lists(_EDIT, min_size=1, max_size=3))
def test_damaged_weights_give_a_weights_error(tmp_path_factory, stem, suffix, edits):
    pytest.importorskip("onnxruntime")
    tmp = tmp_path_factory.mktemp("weights")
    weights = _weights_copy(tmp, stem)
    target = weights.with_suffix(suffix)
    _damaged_copy(target, target, edits)
    before = {p.name: _sha(p) for p in tmp.iterdir()}
    originals = _sha(WEIGHTS_DIR / target.name)
    with hang_guard(120):
        try:
            _load(stem, weights)
        except WeightsError as exc:
            assert "\n" not in str(exc).strip()
        else:  # only damage that no check can see: the same bytes, or metadata still valid
            assert suffix == ".json" or _sha(target) == originals
    assert {p.name: _sha(p) for p in tmp.iterdir()} == before
    assert _sha(WEIGHTS_DIR / target.name) == originals
