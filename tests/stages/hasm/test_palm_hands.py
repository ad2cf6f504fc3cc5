"""MediaPipe Hands' static-image graph on the vendored models (hdr_live/stages/hasm/palm_hands.py)
against ``mediapipe.solutions.hands`` on real images, and the weighted merge of palms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from support import REAL, need_real
from hdr_live.geometry import Roi
from hdr_live.io.sources import read_image
from hdr_live.joints import hand_scale_px
from hdr_live.stages.hasm.mediapipe_hands import MediaPipeHands, MediaPipeHandsOptions
from hdr_live.stages.hasm.palm import PalmCandidate
from hdr_live.stages.hasm.palm_hands import PalmHands, merge_palms
from hdr_live.types import Frame


def test_overlapping_palms_merge_by_score_and_apart_ones_stay():
    a = PalmCandidate(0.9, Roi((100.0, 100.0), 100.0, 0.0))
    b = PalmCandidate(0.3, Roi((120.0, 100.0), 120.0, 0.4))
    c = PalmCandidate(0.8, Roi((400.0, 100.0), 100.0, 0.0))
    merged = merge_palms([a, c, b], 0.3)
    assert [m.score for m in merged] == [0.9, 0.8]
    first = merged[0].roi
    assert math.isclose(first.center_xy[0], (0.9 * 100 + 0.3 * 120) / 1.2)
    assert math.isclose(first.size_px, (0.9 * 100 + 0.3 * 120) / 1.2)
    assert 0.0 < first.angle_rad < 0.4
    assert merged[1].roi == c.roi


def test_it_finds_the_hands_mediapipe_solutions_finds_on_real_images():
    """Every hand the legacy graph (static-image mode) finds on the real images is found with
    the same side and its joints within a tenth of a hand size; hands found only by one of
    the two are counted, and there are not more of them than matches."""
    images = sorted(need_real(REAL).glob("*.jpg"))
    options = MediaPipeHandsOptions(static_image_mode=True)
    legacy, own = MediaPipeHands(options), PalmHands(options)
    matched, unmatched = 0, 0
    try:
        for k, path in enumerate(images):
            frame = Frame(read_image(path), k, float(k))
            theirs, ours = legacy.detect(frame), own.detect(frame)
            for det in theirs:
                scale = max(hand_scale_px(det.joints_px), 1.0)
                near = [o for o in ours
                        if np.linalg.norm(o.joints_px - det.joints_px, axis=1).mean() < 0.1 * scale]
                if near:
                    matched += 1
                    assert near[0].side is det.side, path.name
                else:
                    unmatched += 1
            unmatched += max(0, len(ours) - len(theirs))
    finally:
        legacy.close()
    assert matched >= 6 and unmatched <= matched // 3
