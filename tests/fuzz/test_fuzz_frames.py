"""Fuzz: frames of any shape (2-4096 px), 1/3/4 channels, uint8/uint16/float, constant, noise or
real content, through the source conversion, the pipeline and the overlay. Each ends in a result
or a clear ValueError, never another exception, never a hang (settings: fuzz_settings.py)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("hypothesis", reason="the fuzz suite needs hypothesis (extra 'dev')")
from hypothesis import event, given, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from support import REPO  # noqa: E402
from fuzz_settings import fuzz_settings, hang_guard  # noqa: E402
from hdr_live.build import build_pipeline  # noqa: E402
from hdr_live.config import InputKind, Mode, PipelineConfig  # noqa: E402
from hdr_live.io.sources import InputError, to_rgb  # noqa: E402
from hdr_live.render import OverlayOptions, draw_overlay  # noqa: E402
from hdr_live.types import Frame, FrameResult  # noqa: E402

DEMO = REPO / "assets" / "demo_two_hands.mp4"
_ODD_DTYPES = [np.uint8, np.uint16, np.int8, np.int32, np.int64, np.float16, np.float32,
               np.float64, np.bool_, np.complex64]


@fuzz_settings(300)
@given(
    image=hnp.arrays(st.sampled_from(_ODD_DTYPES), hnp.array_shapes(min_dims=0, max_dims=4,
                                                                     min_side=0, max_side=6)),
    index=st.one_of(st.integers(-3, 10**12), st.floats(allow_nan=True), st.booleans(),
                    st.none()),
    t_s=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10),
                  st.text(max_size=2)),
)
def test_frame_is_built_or_refused_with_value_error(image, index, t_s):
    try:
        frame = Frame(image, index, t_s)
    except ValueError as exc:
        assert str(exc).startswith("Frame.")
    else:
        assert frame.rgb.dtype == np.uint8 and frame.rgb.ndim == 3 and frame.rgb.shape[2] == 3
        assert frame.rgb.flags.c_contiguous and min(frame.rgb.shape[:2]) >= 2
    try:
        rgb = to_rgb(image)
    except InputError as exc:
        assert "unsupported" in str(exc)
    else:
        assert rgb.dtype == np.uint8 and rgb.shape == (*image.shape[:2], 3)


@pytest.fixture(scope="module")
def real_rgb() -> np.ndarray:
    """One real frame (the bundled two-hand clip, frame 45), RGB uint8."""
    from hdr_live.io.sources import VideoFileSource

    with VideoFileSource(DEMO) as source:
        for frame in source:
            if frame.index == 45:
                return frame.rgb
    raise AssertionError("the bundled clip is shorter than expected")


def _build(mode_name: str, tracked: bool = False):
    """A pipeline for unrelated stills (or a tracked sequence), built the way the application
    builds it."""
    kind = InputKind.VIDEO if tracked else InputKind.IMAGES
    return build_pipeline(PipelineConfig(mode=Mode(mode_name), input_kind=kind))


@pytest.fixture(scope="module")
def pipelines():
    built = {name: _build(name) for name in ("hdr", "mediapipe")}
    built["hdr tracked"] = _build("hdr", tracked=True)
    yield built
    for pipe in built.values():
        pipe.close()


_SIDES = st.one_of(st.integers(2, 48), st.integers(2, 4096), st.sampled_from([2, 3, 4095, 4096]))
# any (h, w), or the real clip's 4:3 at 64-2048 px (where hands are found and tracked)
_SHAPES = st.one_of(st.tuples(_SIDES, _SIDES),
                    st.integers(64, 2048).map(lambda h: (h, h * 4 // 3)))


def _content(kind: str, h: int, w: int, seed: int, real: np.ndarray) -> np.ndarray:
    """(h, w, 3) uint8 content: constant, noise, the real frame resized, or a real crop tiled."""
    import cv2

    rng = np.random.default_rng(seed)
    if kind == "constant":
        return np.full((h, w, 3), rng.integers(0, 256, 3), np.uint8)
    if kind == "noise":
        return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    if kind == "real_resized":
        return cv2.resize(real, (w, h), interpolation=cv2.INTER_AREA)
    y, x = rng.integers(0, real.shape[0] - 1), rng.integers(0, real.shape[1] - 1)
    crop = real[y : y + h, x : x + w]
    reps = (-(-h // crop.shape[0]), -(-w // crop.shape[1]), 1)
    return np.tile(crop, reps)[:h, :w]


def _as_input(rgb: np.ndarray, channels: int, dtype) -> np.ndarray:
    """``rgb`` as an OpenCV-style image of ``channels`` channels and ``dtype``."""
    odd, unit_range = bool(rgb[0, 0, 0] % 2), bool(rgb[0, 0, 0] % 3)
    image = {1: rgb[..., :1], 3: rgb[..., ::-1], 4: np.dstack([rgb[..., ::-1], rgb[..., :1]])}
    image = image[channels]
    if channels == 1 and odd:
        image = image[..., 0]  # (H, W) as well as (H, W, 1)
    if dtype == np.uint16:
        return image.astype(np.uint16) * 257
    if dtype == np.uint8:
        return np.ascontiguousarray(image)
    if image.size > 4096 * 1024:
        dtype = np.float32  # keep a 4096² float frame within memory
    return image.astype(dtype) / (255.0 if unit_range else 1.0)


def _check_result(result: FrameResult, frame: Frame) -> None:
    h, w = frame.rgb.shape[:2]
    assert result.frame is frame and result.masks.right_amodal.shape == (h, w)
    event(f"{len(result.poses)} hand(s) found")
    for _, pose in result.poses.items():
        assert np.isfinite(pose.joints_px).all() and np.isfinite(pose.joints_rel_m).all()
    out = draw_overlay(result, 10.0, OverlayOptions(caption="fuzz " * 20))
    assert out.shape == (h, w, 3) and out.dtype == np.uint8


@fuzz_settings(150)
@given(shape=_SHAPES, channels=st.sampled_from([1, 3, 4]),
       dtype=st.sampled_from([np.uint8, np.uint16, np.float32, np.float64]),
       kind=st.sampled_from(["constant", "noise", "real_resized", "real_tiled"]),
       mode=st.sampled_from(["hdr", "mediapipe"]), seed=st.integers(0, 2**32 - 1))
def test_any_frame_through_the_pipeline(pipelines, real_rgb, shape, channels, dtype, kind,
                                        mode, seed):
    h, w = shape
    image = _as_input(_content(kind, h, w, seed, real_rgb), channels, dtype)
    with hang_guard(120):
        frame = Frame(to_rgb(image), seed % 1000, float(seed % 97) / 30)
        pipe = pipelines[mode]
        pipe.reset()
        _check_result(pipe.process(frame), frame)


@fuzz_settings(24)
@given(shapes=st.lists(_SHAPES, min_size=2, max_size=4),
       kind=st.sampled_from(["real_resized", "real_tiled", "noise"]),
       seed=st.integers(0, 2**32 - 1))
def test_tracked_sequence_whose_frame_size_changes(pipelines, real_rgb, shapes, kind, seed):
    pipe = pipelines["hdr tracked"]
    pipe.reset()
    with hang_guard(180):
        for i, (h, w) in enumerate(shapes):
            frame = Frame(_content(kind, h, w, seed + i, real_rgb), i, i / 30)
            _check_result(pipe.process(frame), frame)
