"""A stream that changes resolution mid-clip restarts tracking there, with a warning, in both
run modes (issue "Real-world inputs and faults", row 6)."""

from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest

from hdr_live.batch import run_batch, size_cuts
from hdr_live.build import build_pipeline
from hdr_live.config import InputKind, Mode, PipelineConfig
from hdr_live.joints import Side
from hdr_live.render import OverlayOptions
from hdr_live.types import Frame


def _frames(clip_frames, small: int, big: int) -> list[Frame]:
    """``small`` frames at 640×360, then ``big`` at 1280×720 (the real clip's frames)."""
    out = []
    for i, rgb in enumerate(clip_frames[: small + big]):
        if i < small:
            rgb = cv2.resize(rgb, (640, 360), interpolation=cv2.INTER_AREA)
        out.append(Frame(rgb, i, i / 30))
    return out


def test_size_cuts_marks_each_change_and_warns(caplog):
    frames = [Frame(np.zeros((h, w, 3), np.uint8), i, i / 30)
              for i, (w, h) in enumerate([(8, 6), (8, 6), (16, 12), (16, 12), (8, 6)])]
    with caplog.at_level(logging.WARNING, logger="hdr_live"):
        cuts = [cut for _, cut in size_cuts(frames)]
    assert cuts == [False, False, True, False, True]
    assert "changed from 8×6 to 16×12" in caplog.text and "16×12 to 8×6" in caplog.text


@pytest.mark.parametrize("pipelined", [True, False])
def test_after_a_resolution_change_the_hands_are_found_as_from_a_fresh_start(clip_frames,
                                                                             pipelined):
    config = PipelineConfig(input_kind=InputKind.VIDEO, mode=Mode.MEDIAPIPE)
    frames = _frames(clip_frames, 10, 8)
    results = []
    pipeline = build_pipeline(config)
    try:
        run_batch(frames, pipeline, None, None, OverlayOptions(), results.append,
                  pipelined=pipelined)
        pipeline.reset()
        fresh = []
        run_batch([Frame(f.rgb, k, k / 30) for k, f in enumerate(frames[10:])], pipeline, None,
                  None, OverlayOptions(), fresh.append, pipelined=pipelined)
    finally:
        pipeline.close()
    after = results[10:]
    assert len(after) == len(fresh) == 8
    for a, b in zip(after, fresh):
        for side in Side:
            pa, pb = a.poses.get(side), b.poses.get(side)
            assert (pa is None) == (pb is None)
            if pa is not None:
                assert np.abs(pa.joints_px - pb.joints_px).max() < 1.0
