"""The gated HDRM on the real clasped frame with joint ground truth: the masks there do not
explain what they call hidden, so the gate leaves both crops as they are, and the default
pipeline's 2D error is no worse than no HDRM's (inpainting every crop is worse there)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from hdr_live.build import build_pipeline
from hdr_live.config import App, HdrmKind, InputKind, default_config
from hdr_live.eval2d import epe_px, load_ground_truth
from hdr_live.joints import Side
from hdr_live.stages.hdrm.gate import GateFeatures
from hdr_live.stages.hdrm.masks import CropOptions, build_crop_inputs
from hdr_live.types import Frame
from support import CLASPED, need_real


@pytest.fixture(scope="module")
def clasped():
    gt = load_ground_truth(need_real(CLASPED.with_suffix(".gt.json")))
    rgb = cv2.cvtColor(cv2.imread(str(gt.image_path)), cv2.COLOR_BGR2RGB)
    return Frame(rgb, 0, 0.0), gt


def _run(frame, kind):
    config = default_config(App.BATCH, InputKind.IMAGES)
    pipe = build_pipeline(config.with_backends(None, kind) if kind else config)
    try:
        return pipe.process(frame)
    finally:
        pipe.close()


def test_gate_stays_closed_on_the_clasped_frame_and_costs_nothing(clasped):
    frame, gt = clasped
    default, off, inpaint = (_run(frame, k) for k in (None, HdrmKind.OFF, HdrmKind.BASELINE))
    errors = {}
    for name, result in (("default", default), ("off", off), ("inpaint", inpaint)):
        assert len(result.poses) == 2, name
        errors[name] = [epe_px(result.poses.get(s).joints_px, gt.joints_px.get(s)) for s in Side]
    for side in Side:
        crop = default.crops.get(side)
        np.testing.assert_array_equal(crop.rgb, crop.input_rgb)  # nothing restored
        inputs = build_crop_inputs(frame, default.masks, side, False, CropOptions())
        features = GateFeatures.of(inputs)
        assert features.deocclusion > 0.2  # half-hidden hands ...
        assert features.occluder_cover < 0.6  # ... whose masks do not explain it
    np.testing.assert_allclose(errors["default"], errors["off"], atol=1e-9)
    assert np.mean(errors["inpaint"]) > np.mean(errors["off"])
