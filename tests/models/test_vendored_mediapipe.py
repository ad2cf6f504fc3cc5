"""MediaPipe's models vendored in ONNX (hdr_live/vendor/mediapipe, scripts/vendor_mediapipe.py)
against the TFLite originals in the mediapipe 0.10.21 wheel, on real hands: the hand-landmark
network on the annotated hands of ../shared/real (regions from their ground-truth joints, as
the pipeline's second pass makes them), the palm detector on the whole real images. Runs where
LiteRT installs (the original runtime)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from support import REAL, need_real
from hdr_live.geometry import crop_affine, roi_from_joints, warp_crop
from hdr_live.io.sources import read_image
from hdr_live.models.ssd_anchors import letterbox
from hdr_live.models.vendored import (HAND_LANDMARK, PALM_DETECTION, POSE_DETECTION,
                                      POSE_LANDMARK, VENDOR_DIR, VendoredModel)
from hdr_live.weights import WeightsError, sha256_of

litert = pytest.importorskip("ai_edge_litert.interpreter",
                             reason="LiteRT (the TFLite originals' runtime) is not installed")
mediapipe = pytest.importorskip("mediapipe", reason="mediapipe (the originals) is not installed")
MODULES = Path(os.path.dirname(mediapipe.__file__)) / "modules"
FOLDER = {PALM_DETECTION: "palm_detection", HAND_LANDMARK: "hand_landmark",
          POSE_DETECTION: "pose_detection", POSE_LANDMARK: "pose_landmark"}
ALL = tuple(FOLDER)


def _both(name: str):
    """(run the TFLite original, run the vendored ONNX), each ``x -> {output name: array}``."""
    interp = litert.Interpreter(model_path=str(MODULES / FOLDER[name] / f"{name}.tflite"))
    interp.allocate_tensors()
    (inp,) = interp.get_input_details()

    def original(x):
        interp.set_tensor(inp["index"], x)
        interp.invoke()
        return {d["name"]: interp.get_tensor(d["index"]) for d in interp.get_output_details()}

    return original, VendoredModel(name).run


def _real_hands():
    """(image, (21, 2) ground-truth joints) of every annotated hand of ../shared/real."""
    need_real(REAL)
    out = []
    for gt_path in sorted(REAL.glob("*.gt.json")):
        gt = json.loads(gt_path.read_text())
        image = read_image(REAL / gt["image"])
        for side in ("left", "right"):
            joints = np.asarray(gt.get(side) or [], float)
            if joints.shape == (21, 2) and np.isfinite(joints).all():
                out.append((image, joints))
    assert len(out) >= 3
    return out


def test_the_hand_landmark_network_agrees_on_real_hands():
    original, vendored = _both(HAND_LANDMARK)
    for image, joints in _real_hands():
        for scale in (1.6, 2.0, 2.6):  # tight to loose regions round the hand
            affine = crop_affine(roi_from_joints(joints, scale), 224)
            x = (warp_crop(image, affine, 224).astype(np.float32) / 255.0)[None]
            a, b = original(x), vendored(x)
            assert set(a) == set(b)
            lm_a, lm_b = a["Identity"].reshape(21, 3), b["Identity"].reshape(21, 3)
            assert np.abs(lm_a[:, :2] - lm_b[:, :2]).max() < 0.5  # pixels of the 224 input
            for score in ("Identity_1", "Identity_2"):  # presence, handedness
                assert abs(float(a[score].ravel()[0]) - float(b[score].ravel()[0])) < 0.01
            np.testing.assert_allclose(a["Identity_3"], b["Identity_3"], atol=1e-3)  # metres


def test_the_palm_detector_agrees_on_real_images():
    original, vendored = _both(PALM_DETECTION)
    images = [read_image(p) for p in sorted(need_real(REAL).glob("*.jpg"))]
    for image in images:
        x = (letterbox(image, 192)[0].astype(np.float32) / 255.0)[None]
        a, b = original(x), vendored(x)
        boxes = next(k for k, v in a.items() if v.shape[-1] == 18)
        scores = next(k for k, v in a.items() if v.shape[-1] == 1)
        assert np.abs(a[boxes] - b[boxes]).max() < 0.5  # pixels of the 192 input
        prob = lambda v: 1.0 / (1.0 + np.exp(-np.clip(v, -100, 100)))  # noqa: E731
        assert np.abs(prob(a[scores]) - prob(b[scores])).max() < 0.01


def test_the_body_networks_agree_on_real_images():
    """BlazePose's person detector on the letterboxed real images and its landmark network on
    them resized to its input: the outputs the pipeline reads (boxes and scores; landmarks,
    presence, heatmaps, world landmarks) agree; the segmentation output is not read."""
    images = [read_image(p) for p in sorted(need_real(REAL).glob("*.jpg"))]
    detector, detector_onnx = _both(POSE_DETECTION)
    landmarks, landmarks_onnx = _both(POSE_LANDMARK)
    prob = lambda v: 1.0 / (1.0 + np.exp(-np.clip(v, -100, 100)))  # noqa: E731
    for image in images:
        x = (letterbox(image, 224)[0].astype(np.float32) / 127.5 - 1.0)[None]
        a, b = detector(x), detector_onnx(x)
        boxes = next(k for k, v in a.items() if v.shape[-1] == 12)
        scores = next(k for k, v in a.items() if v.shape[-1] == 1)
        assert np.abs(a[boxes] - b[boxes]).max() < 0.5  # pixels of the 224 input
        assert np.abs(prob(a[scores]) - prob(b[scores])).max() < 0.01
        x = (letterbox(image, 256)[0].astype(np.float32) / 255.0)[None]
        a, b = landmarks(x), landmarks_onnx(x)
        by_shape = {v.shape: k for k, v in a.items()}
        lm = by_shape[(1, 195)]
        assert np.abs(a[lm] - b[lm]).reshape(39, 5)[:, :2].max() < 0.5  # pixels of 256
        assert abs(float(a[by_shape[(1, 1)]]) - float(b[by_shape[(1, 1)]])) < 0.01
        heat = by_shape[(1, 64, 64, 39)]
        np.testing.assert_allclose(a[heat], b[heat], atol=0.01)
        world = by_shape[(1, 117)]
        np.testing.assert_allclose(a[world], b[world], atol=1e-3)


def test_the_vendored_files_carry_their_provenance_and_licence():
    assert "Apache License" in (VENDOR_DIR / "LICENSE").read_text()
    for name in ALL:
        meta = json.loads((VENDOR_DIR / f"{name}.json").read_text())
        assert meta["source"]["package"] == "mediapipe" and meta["source"]["version"] == "0.10.21"
        assert meta["source"]["sha256"] == sha256_of(MODULES / FOLDER[name] / f"{name}.tflite")
        assert meta["sha256"] == sha256_of(VENDOR_DIR / f"{name}.onnx")
        assert meta["licence"].startswith("Apache-2.0")


def test_a_damaged_vendored_file_is_refused_naming_it(tmp_path):
    for suffix in (".onnx", ".json"):
        (tmp_path / f"{HAND_LANDMARK}{suffix}").write_bytes(
            (VENDOR_DIR / f"{HAND_LANDMARK}{suffix}").read_bytes())
    onnx_path = tmp_path / f"{HAND_LANDMARK}.onnx"
    data = bytearray(onnx_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    onnx_path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match=str(onnx_path)):
        VendoredModel(HAND_LANDMARK, folder=tmp_path)
    onnx_path.unlink()
    with pytest.raises(WeightsError, match="not found"):
        VendoredModel(HAND_LANDMARK, folder=tmp_path)


def test_the_conversion_is_reproducible(tmp_path):
    """Re-running the conversion gives the vendored graphs (the same nodes and weights)."""
    pytest.importorskip("tflite", reason="the conversion needs the tflite flatbuffer package")
    script = Path(__file__).resolve().parents[2] / "scripts" / "vendor_mediapipe.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    onnx = pytest.importorskip("onnx")
    from onnx import numpy_helper

    for name in ALL:
        again, vendored = (onnx.load(str(d / f"{name}.onnx")) for d in (tmp_path, VENDOR_DIR))
        assert [(n.op_type, list(n.input), list(n.output)) for n in again.graph.node] == \
            [(n.op_type, list(n.input), list(n.output)) for n in vendored.graph.node]
        weights = {t.name: numpy_helper.to_array(t) for t in vendored.graph.initializer}
        for t in again.graph.initializer:
            np.testing.assert_array_equal(numpy_helper.to_array(t), weights[t.name])
        assert len(weights) == len(again.graph.initializer)
