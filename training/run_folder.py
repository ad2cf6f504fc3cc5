"""Run-folder plumbing shared by the trainers: checkpoints written atomically, read back with a
check that they were made for the same network spec, and the JSON-lines training log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

CHECKPOINT = "checkpoint.pt"
LOG = "log.jsonl"


def read_checkpoint(path: Path, spec_json: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint at ``path`` (a dict as written by :func:`write_checkpoint`).

    Raises:
        SystemExit: no file at ``path``, or its ``"spec"`` differs from ``spec_json`` (a run
            cannot change its network; start a new run folder).
    """
    path = Path(path)
    if not path.is_file():
        raise SystemExit(f"no checkpoint at {path}")
    state = torch.load(path, weights_only=False)
    if state.get("spec") != spec_json:
        raise SystemExit(f"{path} was trained with another spec; use a new --run")
    return state


def init_model_from(run: Path, model: torch.nn.Module, spec_json: dict[str, Any]) -> dict[str, Any]:
    """Load another run's model weights into ``model`` (strictly), to start a new run from them
    with a fresh optimiser and schedule.

    Args:
        run: the other run's folder (holding ``checkpoint.pt``).
        model: the new run's network, built from the same spec.
        spec_json: that spec as JSON (must equal the other run's).

    Returns:
        Provenance for the new run's metadata: ``{"run", "step", "wall_s"}`` of the other run.

    Raises:
        SystemExit: no checkpoint in ``run``, or it has another spec.
    """
    state = read_checkpoint(Path(run) / CHECKPOINT, spec_json)
    model.load_state_dict(state["model"], strict=True)
    return {"run": str(run), "step": int(state["step"]), "wall_s": float(state["wall_s"])}


def write_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` through a temporary file, so a kill never leaves half a
    checkpoint."""
    path = Path(path)
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def append_log(folder: Path, record: dict[str, Any]) -> None:
    """Append one JSON record to the run's ``log.jsonl``."""
    with open(Path(folder) / LOG, "a") as f:
        f.write(json.dumps(record) + "\n")
