"""Run-folder plumbing shared by the trainers (``train_hasm``, ``train_hdrm``, ``train_shpe``).

A run folder holds ``checkpoint.pt`` (written atomically; read back only for the network spec
it was made for) and ``log.jsonl`` (one JSON record per line). :class:`RunFolder` is that
folder; :class:`AdamWRun` is a whole resumable run of one network trained with AdamW (HASM,
SHPE); :func:`warmup_cosine_lr` is the trainers' learning-rate schedule and
:func:`write_run_weights` their export through :func:`hdr_live.weights.write_weights`.

Under ``torchrun`` (:mod:`training.distributed`) every rank opens the same run folder and reads
the same checkpoint; only rank 0 writes the checkpoint and the log, and the other ranks wait for
each checkpoint at a barrier.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Callable, ClassVar, Mapping

import numpy as np
import torch

from training.distributed import SINGLE, DistContext

CHECKPOINT = "checkpoint.pt"
LOG = "log.jsonl"
RANDOM_INIT = "random (no pretrained weights)"


def read_checkpoint(path: Path, spec_json: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint at ``path`` (a dict as written by :func:`write_checkpoint`).

    Raises:
        SystemExit: no file at ``path``, or its ``"spec"`` differs from ``spec_json`` (a run
            cannot change its network; start a new run folder).
    """
    path = Path(path)
    if not path.is_file():
        raise SystemExit(f"no checkpoint at {path}")
    state = torch.load(path, weights_only=False, map_location="cpu")
    if state.get("spec") != spec_json:
        raise SystemExit(f"{path} was trained with another spec; use a new --run")
    return state


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


def load_modules(state: Mapping[str, Any], modules: Mapping[str, torch.nn.Module]) -> None:
    """Load ``state[key]`` into each ``modules[key]`` strictly (every key must fit)."""
    for key, module in modules.items():
        module.load_state_dict(state[key], strict=True)


def init_from_run(run: Path, modules: Mapping[str, torch.nn.Module],
                  spec_json: dict[str, Any]) -> dict[str, Any]:
    """Load another run's weights into ``modules`` (checkpoint key → module, strictly), to start
    a new run from them with a fresh optimiser and schedule (``--init``).

    Args:
        run: the other run's folder (holding ``checkpoint.pt``).
        modules: the new run's networks, built from the same spec, by checkpoint key.
        spec_json: that spec as JSON (must equal the other run's).

    Returns:
        The other run's whole checkpoint (for its step, wall time, history).

    Raises:
        SystemExit: no checkpoint in ``run``, or it has another spec.
    """
    state = read_checkpoint(Path(run) / CHECKPOINT, spec_json)
    load_modules(state, modules)
    return state


def init_from_weights(weights: Path, model: torch.nn.Module, model_kind: str,
                      spec_json: dict[str, Any]) -> dict[str, Any]:
    """Load exported weights (safetensors + metadata, :mod:`hdr_live.weights`) into ``model``
    strictly, to fine-tune them (``--init hdr_live/weights/X.safetensors``).

    Returns:
        The new run's ``init_from``: the file, its sha256, and its own steps, wall time and
        provenance (data, licences), so the exported metadata keeps the whole lineage.

    Raises:
        SystemExit: the file or its metadata is missing or corrupt, or its spec differs.
    """
    from hdr_live.weights import WeightsError, load_state_dict_strict, read_metadata

    try:
        meta = read_metadata(Path(weights), model_kind)
        if meta.get("spec") != json.loads(json.dumps(spec_json)):  # tuples read back as lists
            raise SystemExit(f"--init {weights}: its spec differs from this run's")
        load_state_dict_strict(model, Path(weights))
    except WeightsError as exc:
        raise SystemExit(f"--init: {exc}") from None
    prov = meta.get("provenance", {})
    return {"weights": str(weights), "sha256": meta.get("sha256"), "steps": prov.get("steps"),
            "wall_s": prov.get("wall_time_s"), "provenance": prov}


def read_spec(path: Path, from_json: Callable[[dict[str, Any]], Any]) -> Any:
    """The network spec in the JSON file ``path`` (a spec's ``to_json``, e.g. an exported
    metadata's ``"spec"``), parsed by ``from_json`` (e.g. ``HasmSpec.from_json``) — a trainer's
    ``--spec``.

    Raises:
        SystemExit: the file is missing, not JSON, or not a valid spec.
    """
    try:
        return from_json(json.loads(Path(path).read_text()))
    except (OSError, ValueError, TypeError) as e:
        raise SystemExit(f"--spec {path}: {e}") from None


def warmup_cosine_lr(step: int, peak: float, warmup_steps: int, total_steps: int) -> float:
    """Learning rate at ``step`` (0-based): linear warm-up over ``warmup_steps`` to ``peak`` (the
    first step already at ``peak / warmup_steps``), then a cosine decay to 0 at ``total_steps``,
    0 after it."""
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(total_steps - warmup_steps, 1)
    return peak * 0.5 * (1.0 + float(np.cos(np.pi * min(progress, 1.0))))


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set every parameter group of ``optimizer`` to learning rate ``lr``."""
    for group in optimizer.param_groups:
        group["lr"] = lr


def init_provenance(init_from: dict[str, Any] | None) -> str | dict[str, Any]:
    """The exported metadata's ``provenance.init``: random init, the run it started from
    (``{"run", "step", "wall_s"}`` of that run) and that run's own random init, or the exported
    weights it started from (:func:`init_from_weights`)."""
    if init_from is None:
        return RANDOM_INIT
    if "weights" in init_from:  # the lineage is inside the weights' own provenance
        return {"from_weights": init_from}
    return {"from_run": init_from, "originally": RANDOM_INIT}


def write_run_weights(model: torch.nn.Module, out: Path, model_kind: str,
                      spec_json: dict[str, Any], provenance: dict[str, Any],
                      metrics: dict[str, Any], float16: bool = False, **extra: Any) -> None:
    """Write the exported weights ``out`` (safetensors) and their metadata JSON (``model``,
    ``spec``, ``provenance``, ``metrics``, any ``extra`` top-level entries, sha256) with
    :func:`hdr_live.weights.write_weights`; ``model`` is put in eval mode."""
    from hdr_live.weights import write_weights

    write_weights(model.eval(), out, model_kind, {
        "spec": spec_json, "provenance": provenance, "metrics": metrics, **extra},
        float16=float16)


class RunFolder:
    """A run folder (created if missing): ``folder``, its checkpoint path ``ckpt``, the
    atomic checkpoint write and the JSONL log, for the process ``ctx`` (only its rank 0
    writes)."""

    def __init__(self, folder: Path, ctx: DistContext = SINGLE) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ckpt = self.folder / CHECKPOINT
        self.ctx = ctx

    def saved_state(self, spec_json: dict[str, Any]) -> dict[str, Any] | None:
        """The folder's checkpoint, or None when it has none yet.

        Raises:
            SystemExit: the checkpoint was made for another spec.
        """
        return read_checkpoint(self.ckpt, spec_json) if self.ckpt.is_file() else None

    def write(self, state: dict[str, Any]) -> None:
        """Write ``state`` as the folder's checkpoint, atomically, on rank 0; every rank then
        waits until it is written."""
        if self.ctx.is_main:
            write_checkpoint(self.ckpt, state)
        self.ctx.barrier()

    def log(self, record: dict[str, Any]) -> None:
        """Append ``record`` to the folder's ``log.jsonl`` (rank 0 only)."""
        if self.ctx.is_main:
            append_log(self.folder, record)


class AdamWRun(RunFolder):
    """A resumable run of one network trained with AdamW, in a folder.

    Subclasses set ``network_type`` (built as ``network_type(spec)``), ``config_type`` (a
    frozen dataclass with ``lr``, ``weight_decay``, ``warmup_steps``, ``total_steps``,
    ``seed``), ``model_kind`` and ``trainer`` (for the exported metadata). The checkpoint holds
    ``model``, ``opt``, ``step``, ``wall_s``, ``spec``, ``init_from``, ``cfg`` (the config as a
    dict) and ``rng`` (the numpy generator's state).

    ``model`` (on ``ctx.device``) is the network itself (checkpoint, evaluation, export);
    ``net`` is what the training step calls: ``model`` itself in one process, its
    DistributedDataParallel wrapper under torchrun (:meth:`DistContext.wrap`).
    """

    network_type: ClassVar[Callable[[Any], torch.nn.Module]]
    config_type: ClassVar[type]
    model_kind: ClassVar[str]
    trainer: ClassVar[str]

    def __init__(self, folder: Path, spec: Any, cfg: Any, init: Path | None = None,
                 ctx: DistContext = SINGLE) -> None:
        """Open (resume) the run in ``folder``; a new run starts from ``init``'s model weights
        (another run folder, or exported ``.safetensors`` weights) when given, with a fresh optimiser and schedule. A resumed run
        keeps its own config (schedule), not ``cfg``. Under torchrun (``ctx``) every rank loads
        the same checkpoint.

        Raises:
            SystemExit: the checkpoint (or ``init``'s) has another spec, or ``init`` has none.
        """
        super().__init__(folder, ctx)
        torch.manual_seed(cfg.seed)
        self.model = self.network_type(spec).to(ctx.device)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr,
                                     weight_decay=cfg.weight_decay)
        self.spec, self.cfg, self.step, self.wall_s = spec, cfg, 0, 0.0
        self.rng = np.random.default_rng(cfg.seed)
        self.init_from: dict | None = None
        state = self.saved_state(spec.to_json())
        if state is not None:
            self._resume(state)
        elif init is not None and Path(init).suffix == ".safetensors":
            self.init_from = init_from_weights(init, self.model, self.model_kind, spec.to_json())
        elif init is not None:
            other = init_from_run(init, {"model": self.model}, spec.to_json())
            self.init_from = {"run": str(init), "step": int(other["step"]),
                              "wall_s": float(other["wall_s"])}
        self.net = ctx.wrap(self.model)

    def _resume(self, state: dict[str, Any]) -> None:
        """Take over a checkpoint's weights, optimiser, counters, config and RNG state."""
        load_modules(state, {"model": self.model})
        self.opt.load_state_dict(state["opt"])
        self.step, self.wall_s = state["step"], state["wall_s"]
        self.init_from = state.get("init_from")
        self.cfg = self.config_type(**state["cfg"])
        self.rng.bit_generator.state = state["rng"]

    def save(self) -> None:
        """Write the checkpoint atomically."""
        self.write({
            "model": self.model.state_dict(), "opt": self.opt.state_dict(), "step": self.step,
            "wall_s": self.wall_s, "spec": self.spec.to_json(), "init_from": self.init_from,
            "cfg": dataclasses.asdict(self.cfg), "rng": self.rng.bit_generator.state})

    def schedule_lr(self) -> None:
        """Set the optimiser's learning rate for the current step (:func:`warmup_cosine_lr`)."""
        set_lr(self.opt, warmup_cosine_lr(self.step, self.cfg.lr, self.cfg.warmup_steps,
                                          self.cfg.total_steps))

    def write_weights(self, out: Path, metrics: dict[str, Any], float16: bool = False,
                      **provenance: Any) -> None:
        """Export the model (:func:`write_run_weights`) with provenance: trainer, steps, wall
        time (s), config, init, hardware, plus the ``provenance`` entries given."""
        write_run_weights(self.model, out, self.model_kind, self.spec.to_json(), {
            "trainer": self.trainer, "steps": self.step, "wall_time_s": round(self.wall_s, 1),
            "train_config": dataclasses.asdict(self.cfg), "init": init_provenance(self.init_from),
            "hardware": "2 CPU cores, no GPU", **provenance}, metrics, float16=float16)
