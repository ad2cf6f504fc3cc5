"""Learned HDRM restorer: HDRNet (HDR paper §3.3) behind the
:class:`~hdr_live.stages.hdrm.stage.Restorer` protocol.

Per crop (S×S, from :func:`hdr_live.stages.hdrm.masks.build_crop_inputs`, already mirrored for a
left-looking hand): the crop and its masks are resized to the network side N = ``spec.input_px``
(image: area averaging; M_D and M_R: a low-resolution pixel is a hole if any of its pixels is,
so the hole is never shrunk; M_tv and M_bv: nearest), the network input of eq. 2–3 is built,
HDRNet predicts I_o at N×N, the prediction is resized back to S (bilinear) and written **only
into M_D ∪ M_R at full resolution**: every other pixel of the returned crop is the input crop,
bit for bit.

Two interchangeable runners execute the network: eager PyTorch (:class:`TorchHdrNet`) and ONNX
Runtime (:class:`OnnxHdrNet`); the trainer's export measures both and records the faster one in
the metadata (``inference.preferred_runtime``), which :func:`load_hdrm` uses by default.
"""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from hdr_live.models.hdrnet_spec import MODEL_KIND, HdrmSpec, make_network_input
from hdr_live.stages.hdrm.masks import CropInputs
from hdr_live.weights import WeightsError, read_metadata, sha256_of


class HdrNetRunner(Protocol):
    """Runs HDRNet: x (1, 8, N, N), valid (1, 2, N, N) float32 → (1, 3, N, N) float32 I_o."""

    def __call__(self, x: np.ndarray, valid: np.ndarray) -> np.ndarray: ...


class Runtime(str, enum.Enum):
    """Which engine runs the network."""

    TORCH = "torch"
    ONNX = "onnx"


class TorchHdrNet:
    """Eager PyTorch runner on the CPU (``threads`` intra-op threads)."""

    def __init__(self, model, threads: int = 2) -> None:
        import torch

        self._torch = torch
        self.model = model.eval()
        self.threads = threads

    def __call__(self, x: np.ndarray, valid: np.ndarray) -> np.ndarray:
        torch = self._torch
        if torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)
        with torch.inference_mode():
            return self.model(torch.from_numpy(np.ascontiguousarray(x, np.float32)),
                              torch.from_numpy(np.ascontiguousarray(valid, np.float32))).numpy()


class OnnxHdrNet:
    """ONNX Runtime runner (CPU provider) of an exported HDRNet.

    Raises:
        WeightsError: the file is missing or not a loadable ONNX model.
    """

    def __init__(self, path: Path, threads: int = 2) -> None:
        from hdr_live.models.onnx_export import cpu_session

        self._session = cpu_session(path, threads)

    def __call__(self, x: np.ndarray, valid: np.ndarray) -> np.ndarray:
        return self._session.run(None, {"x": np.ascontiguousarray(x, np.float32),
                                        "valid": np.ascontiguousarray(valid, np.float32)})[0]


def resize_mask(mask: np.ndarray, size: int, grow: bool) -> np.ndarray:
    """Resize a (S, S) bool mask to (size, size).

    With ``grow`` a pixel of a smaller output is set if any input pixel under it is set (area
    average > 0); otherwise nearest-neighbour sampling.
    """
    if mask.shape[0] == size:
        return mask
    u8 = np.ascontiguousarray(mask).view(np.uint8) * np.uint8(255)
    if grow and size < mask.shape[0]:
        return cv2.resize(u8, (size, size), interpolation=cv2.INTER_AREA) > 0
    return cv2.resize(u8, (size, size), interpolation=cv2.INTER_NEAREST) > 127


def network_input(inputs: CropInputs, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(x (8, N, N), valid (2, N, N)) float32 of eq. 2–3 for one crop at network side N."""
    s = inputs.image_rgb.shape[0]
    image = inputs.image_rgb if s == size else cv2.resize(
        inputs.image_rgb, (size, size),
        interpolation=cv2.INTER_AREA if size < s else cv2.INTER_LINEAR)
    m_d, m_r = resize_mask(inputs.m_d, size, True), resize_mask(inputs.m_r, size, True)
    m_r = m_r & ~m_d  # eq. 2 keeps them disjoint; growing must not overlap them
    return make_network_input(image, m_d, m_r, resize_mask(inputs.target_visible, size, False),
                              resize_mask(inputs.m_bv, size, False))


@dataclasses.dataclass(frozen=True)
class LearnedRestorer:
    """HDRM restorer with HDRNet; see the module docstring.

    Attributes:
        runner: executes the network (torch or ONNX Runtime).
        spec: the checkpoint's spec (network side N).
        name: stage name for logs.
    """

    runner: HdrNetRunner
    spec: HdrmSpec
    name: str = "learned-hdrnet"

    def restore(self, inputs: CropInputs) -> np.ndarray:
        """(S, S, 3) uint8 I_o: input crop outside M_D ∪ M_R, HDRNet's prediction inside."""
        hole = inputs.m_d | inputs.m_r
        if not hole.any():
            return inputs.image_rgb.copy()
        x, valid = network_input(inputs, self.spec.input_px)
        pred = self.runner(x[None], valid[None])[0]
        pred_u8 = np.clip(pred.transpose(1, 2, 0) * 255.0 + 0.5, 0, 255).astype(np.uint8)
        s = inputs.image_rgb.shape[0]
        if pred_u8.shape[0] != s:
            pred_u8 = cv2.resize(pred_u8, (s, s), interpolation=cv2.INTER_LINEAR)
        out = inputs.image_rgb.copy()
        out[hole] = pred_u8[hole]
        return out


def _spec_of(meta: dict, weights_path: Path) -> HdrmSpec:
    try:
        return HdrmSpec.from_json(meta["spec"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WeightsError(f"{weights_path}: bad spec in metadata: {exc}") from exc


def load_torch_hdrnet(weights_path: Path):
    """(HdrNet in eval mode, spec) from a checkpoint, strictly loaded.

    Raises:
        WeightsError: missing/corrupt file, wrong kind, bad spec, keys that do not fit.
    """
    from hdr_live.models.hdrnet import HdrNet
    from hdr_live.weights import load_state_dict_strict

    meta = read_metadata(weights_path, MODEL_KIND)
    spec = _spec_of(meta, weights_path)
    model = HdrNet(spec).eval()
    load_state_dict_strict(model, weights_path)
    return model, spec


def onnx_path_of(weights_path: Path, meta: dict) -> Path:
    """The checked ONNX file recorded in a checkpoint's metadata (``onnx.file``, ``onnx.sha256``).

    Raises:
        WeightsError: no ONNX entry, file missing, or sha256 mismatch.
    """
    entry = meta.get("onnx")
    if not isinstance(entry, dict) or "file" not in entry:
        raise WeightsError(f"{weights_path}: metadata names no ONNX export")
    path = Path(weights_path).parent / entry["file"]
    if not path.is_file():
        raise WeightsError(f"ONNX model not found: {path}")
    if sha256_of(path) != entry.get("sha256"):
        raise WeightsError(f"{path} is corrupt or replaced: sha256 does not match the metadata")
    return path


def load_hdrm(weights_path: Path, runtime: Runtime | None = None, threads: int = 2) -> LearnedRestorer:
    """A :class:`LearnedRestorer` from ``hdr_live/weights/NAME.safetensors`` (+ ``NAME.json``).

    Args:
        weights_path: the safetensors file; its metadata must say model ``hdrm-hdrnet``.
        runtime: engine; None = the metadata's ``inference.preferred_runtime`` (torch if absent).
        threads: intra-op threads of the engine.

    Raises:
        WeightsError: missing/corrupt files, wrong kind, bad spec, keys that do not fit (torch),
            or a missing/mismatching ONNX file (onnx).
    """
    meta = read_metadata(weights_path, MODEL_KIND)
    if runtime is None:
        runtime = Runtime(meta.get("inference", {}).get("preferred_runtime", Runtime.TORCH.value))
    if runtime is Runtime.ONNX:
        return LearnedRestorer(OnnxHdrNet(onnx_path_of(weights_path, meta), threads),
                               _spec_of(meta, weights_path))
    model, spec = load_torch_hdrnet(weights_path)
    return LearnedRestorer(TorchHdrNet(model, threads), spec)
