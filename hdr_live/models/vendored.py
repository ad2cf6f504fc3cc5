"""MediaPipe's models vendored in the package, run with ONNX Runtime.

``hdr_live/vendor/mediapipe/`` holds MediaPipe's palm detector, hand-landmark network and
BlazePose's person detector and landmark network
(Apache-2.0, from the mediapipe 0.10.21 wheel; the licence text beside them) converted once to
ONNX by ``scripts/vendor_mediapipe.py``; each ``NAME.onnx`` has ``NAME.json`` beside it with its
source (package, version, path and sha256 of the TFLite file), the ONNX file's sha256, its input
and output names and shapes, and the licence. Inputs and outputs are the TFLite model's: one NHWC
float32 image, the same named output tensors (agreement: ``tests/stages/test_vendored_mediapipe.py``).
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from pathlib import Path

import numpy as np

from hdr_live.weights import WeightsError, sha256_of

#: The vendored models' folder (package data).
VENDOR_DIR = Path(str(importlib.resources.files("hdr_live").joinpath("vendor", "mediapipe")))
#: MediaPipe's full palm detector (192×192 RGB in [0, 1]).
PALM_DETECTION = "palm_detection_full"
#: MediaPipe's full hand-landmark network (224×224 RGB in [0, 1]).
HAND_LANDMARK = "hand_landmark_full"
#: BlazePose's person detector (224×224 RGB in [−1, 1]).
POSE_DETECTION = "pose_detection"
#: BlazePose's full landmark network (256×256 RGB in [0, 1]).
POSE_LANDMARK = "pose_landmark_full"


@functools.lru_cache(maxsize=16)
def _sha256_once(path: str, size: int, mtime_ns: int) -> str:
    """The file's sha256, hashed once per (path, size, mtime): a pipeline loads the landmark
    network several times (one per hand thread, one for the re-acquirer)."""
    return sha256_of(Path(path))


class VendoredModel:
    """One vendored model in an ONNX Runtime session.

    Args:
        name: the model's file stem (:data:`PALM_DETECTION`, :data:`HAND_LANDMARK`).
        threads: ONNX Runtime's intra-op threads.
        folder: where ``name.onnx`` and ``name.json`` are (the vendored folder by default).

    Raises:
        WeightsError: a file missing, a sha256 that differs from the metadata's, or a model
            ONNX Runtime cannot load; the message names the path.
    """

    def __init__(self, name: str, threads: int = 1, folder: Path = VENDOR_DIR) -> None:
        import onnxruntime as ort

        path, meta_path = folder / f"{name}.onnx", folder / f"{name}.json"
        for p in (path, meta_path):
            if not p.is_file():
                raise WeightsError(f"vendored model file not found: {p}")
        meta = json.loads(meta_path.read_text())
        stat = path.stat()
        if _sha256_once(str(path), stat.st_size, stat.st_mtime_ns) != meta.get("sha256"):
            raise WeightsError(f"{path} does not match the sha256 in {meta_path}")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(str(path), opts,
                                                 providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise WeightsError(f"cannot load vendored model {path}: {exc}") from exc
        (inp,) = self._session.get_inputs()
        self._input = inp.name
        self.input_shape: tuple[int, ...] = tuple(int(d) for d in inp.shape)
        self.output_shapes: dict[str, tuple[int, ...]] = {
            o.name: tuple(int(d) for d in o.shape) for o in self._session.get_outputs()}
        self.path, self.meta = path, meta

    def run(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The model's outputs, by the TFLite output names, for ``x`` ((1, H, W, 3) float32,
        the model's input shape)."""
        outs = self._session.run(None, {self._input: np.ascontiguousarray(x, np.float32)})
        return dict(zip(self.output_shapes, outs))
