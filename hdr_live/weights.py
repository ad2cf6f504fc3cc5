"""Bundled weight files: metadata beside each file, sha256 check, strict loading.

A weight file ``hdr_live/weights/NAME.safetensors`` has ``hdr_live/weights/NAME.json`` beside it::

    {"model": "<model kind>", "spec": {...model/preprocessing spec...},
     "sha256": "<hex of the .safetensors file>", "provenance": {...how it was made...},
     "metrics": {...}}

Loading checks that both files exist, that the kind matches, that the sha256 matches, and loads the
tensors into the model with ``strict=True`` (missing or unexpected keys are named).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
from pathlib import Path
from typing import Any

#: The bundled weights: package data of ``hdr_live`` (``hdr_live/weights/``), the same files for
#: an editable install from a clone and for a wheel.
WEIGHTS_DIR = Path(str(importlib.resources.files("hdr_live").joinpath("weights")))


class WeightsError(RuntimeError):
    """A model file is missing, corrupt, of the wrong kind, or does not fit its model."""


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def metadata_path(weights_path: Path) -> Path:
    """The metadata JSON that belongs beside a weight file."""
    return Path(weights_path).with_suffix(".json")


def read_metadata(weights_path: Path, expected_model: str) -> dict[str, Any]:
    """Read and check the metadata of ``weights_path``.

    Raises:
        WeightsError: a file is missing, the JSON is invalid, the kind differs, or the sha256 of
            the weight file does not match (corrupt or replaced file).
    """
    weights_path = Path(weights_path)
    meta_path = metadata_path(weights_path)
    if not weights_path.is_file():
        raise WeightsError(f"weights file not found: {weights_path}")
    if not meta_path.is_file():
        raise WeightsError(f"metadata file not found beside the weights: {meta_path}")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WeightsError(f"cannot read weights metadata {meta_path}: {exc}") from exc
    if not isinstance(meta, dict):
        raise WeightsError(f"weights metadata {meta_path} is not a JSON object")
    if meta.get("model") != expected_model:
        raise WeightsError(
            f"{weights_path} holds a {meta.get('model')!r} model, expected {expected_model!r}"
        )
    digest = sha256_of(weights_path)
    if meta.get("sha256") != digest:
        raise WeightsError(f"{weights_path} is corrupt or replaced: sha256 {digest[:12]}… does "
                           f"not match its metadata ({str(meta.get('sha256'))[:12]}…)")
    return meta


def load_state_dict_strict(model, weights_path: Path) -> None:
    """Load a safetensors file into a torch module with ``strict=True``.

    Raises:
        WeightsError: unreadable file, or missing / unexpected keys or shape mismatches (named).
    """
    from safetensors.torch import load_file

    try:
        state = load_file(str(weights_path))
    except Exception as exc:  # safetensors raises several types for corrupt files
        raise WeightsError(f"cannot read weights {weights_path}: {exc}") from exc
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise WeightsError(f"{weights_path} does not fit the model: {exc}") from exc


def write_weights(model, weights_path: Path, model_kind: str, meta: dict[str, Any],
                  float16: bool = False) -> None:
    """Save a torch module's state as safetensors plus its metadata JSON (with sha256).

    ``float16`` stores floating-point tensors at half precision (half the file; strict loading
    casts them back to the model's float32)."""
    from safetensors.torch import save_file

    weights_path = Path(weights_path)
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    if float16:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
        meta = {**meta, "storage": "float16 (loaded into float32)"}
    save_file(state, str(weights_path))
    full = {"model": model_kind, **meta, "sha256": sha256_of(weights_path)}
    metadata_path(weights_path).write_text(json.dumps(full, indent=2, sort_keys=True) + "\n")
