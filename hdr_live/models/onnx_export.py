"""ONNX export of the HASM network and an ONNX Runtime runner with the same call signature as
the eager PyTorch runner (``(1, C, S, S) float32 -> (1, 4, S, S) float32 logits``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def export_onnx(model, in_channels: int, size_px: int, path: Path, opset: int = 17) -> Path:
    """Export a HASM torch module to ONNX (fixed batch 1 and size).

    Args:
        model: a torch module in eval mode.
        in_channels: C of the input.
        size_px: S of the input.
        path: output .onnx file.

    Returns:
        ``path``.
    """
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, in_channels, size_px, size_px)
    with torch.inference_mode():
        torch.onnx.export(model, (dummy,), str(path), input_names=["x"], output_names=["logits"],
                          opset_version=opset, dynamo=False)
    return path


def cpu_session(path: Path, threads: int = 2):
    """An ONNX Runtime inference session on the CPU provider.

    Raises:
        hdr_live.weights.WeightsError: the file is missing or not a loadable ONNX model.
    """
    import onnxruntime as ort

    from hdr_live.weights import WeightsError

    if not Path(path).is_file():
        raise WeightsError(f"ONNX model not found: {path}")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    # idle worker threads sleep instead of spinning: the pipeline's other threads (the
    # TFLite SHPE, decoding, drawing) need the cores between two runs (docs/benchmarks.md)
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types
        raise WeightsError(f"cannot load ONNX model {path}: {exc}") from exc


class OnnxMaskNet:
    """Runs an exported HASM network with ONNX Runtime on the CPU.

    Raises:
        hdr_live.weights.WeightsError: the file is missing or not a loadable ONNX model.
    """

    def __init__(self, path: Path, threads: int = 2) -> None:
        self._session = cpu_session(path, threads)
        self._input = self._session.get_inputs()[0].name

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self._session.run(None, {self._input: np.ascontiguousarray(x, np.float32)})[0]
