"""The state of an HDRNet training run (HDR paper §3.3, eq. 4, §5.1): phase, settings, and the
resumable run folder.

The run folder keeps ``checkpoint.pt`` (generator, discriminator, both optimisers, step, wall
time, numpy and torch RNG states, phase history, spec, config) and ``log.jsonl``. A checkpoint
resumes only with the same spec and phase; a later phase starts a new folder from an earlier
phase's (``init``), whose generator and discriminator it loads and whose phase it records in
``history``. The training loop is :mod:`training.train_hdrm`, the export
:mod:`training.hdrm_export`. Under torchrun (:mod:`training.distributed`) generator and
discriminator are each wrapped in DistributedDataParallel (``gen_net``, ``disc_net``) on
``ctx.device``; rank 0 writes the checkpoint.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hdr_live.config import DEFAULT_HASM_WEIGHTS
from hdr_live.models.hdrnet import MODEL_KIND, HdrmSpec, HdrNet
from hdr_live.stages.hasm.learned import load_mask_net
from hdr_live.stages.hdrm.learned import LearnedRestorer, TorchHdrNet
from training.distributed import SINGLE, DistContext
from training.hdrm_data import (DegradedMasks, ExampleOptions, GroundTruthMasks,
                                HasmPredictedMasks, MaskNoise, MaskSource)
from training.hdrm_losses import (FeatureNetSpec, LossWeights, PatchDiscriminator,
                                  RandomFeatureNet)
from training.run_folder import RunFolder, init_from_run, load_modules, set_lr, warmup_cosine_lr


class Phase(str, enum.Enum):
    """Training phase (HDR paper §5.1)."""

    GT = "gt"
    PREDICTED_MASKS = "predicted-masks"  # HASM's own predictions (the paper's phase 2)
    DEGRADED_MASKS = "degraded-masks"  # ground truth degraded at random (no HASM needed)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (saved with the checkpoint and the exported weights).

    The paper trains 100k + 100k iterations at batch 48 with lr 1.5e-3 / 1e-3 on 8 GPUs; here a
    batch of 8 on 2 CPU cores, with the learning rates scaled by about √(8/48).
    """

    phase: Phase = Phase.GT
    batch: int = 8
    lr: float = 6e-4
    disc_lr: float = 1e-4
    warmup_steps: int = 50
    total_steps: int = 2000
    eval_every: int = 250
    eval_samples: int = 40
    save_every: int = 50
    log_every: int = 10
    threads: int = 2
    seed: int = 0
    weights: LossWeights = LossWeights()
    features: FeatureNetSpec = FeatureNetSpec()
    disc_widths: tuple[int, ...] = (32, 64, 128)
    mask_noise: MaskNoise = MaskNoise()
    examples: ExampleOptions = ExampleOptions()
    hasm_weights: str = str(DEFAULT_HASM_WEIGHTS)

    def mask_source(self) -> MaskSource:
        """The masks this phase trains with.

        Raises:
            hdr_live.weights.WeightsError: phase ``predicted-masks`` and the HASM weights at
                ``hasm_weights`` are missing or corrupt.
        """
        if self.phase is Phase.GT:
            return GroundTruthMasks()
        if self.phase is Phase.DEGRADED_MASKS:
            return DegradedMasks(self.mask_noise)
        return HasmPredictedMasks(*load_mask_net(Path(self.hasm_weights)))

    def to_json(self) -> dict:
        """The config as JSON-ready data (``phase`` as its string value)."""
        d = dataclasses.asdict(self)
        d["phase"] = self.phase.value
        return d


class Run(RunFolder):
    """A resumable HDRNet training run in a folder (see the module docstring).

    Args:
        folder: run folder (created).
        spec, cfg: network and optimisation settings; a resumed checkpoint must match ``spec``
            and ``cfg.phase``.
        init: a previous phase's run folder whose generator and discriminator start this run,
            or exported ``.safetensors`` weights for the generator alone (used only when
            ``folder`` has no checkpoint yet).
        ctx: the process (torchrun rank or :data:`~training.distributed.SINGLE`): networks on
            ``ctx.device``; ``gen_net`` / ``disc_net`` are what the training step calls (``gen``
            / ``disc`` themselves in one process, their DDP wrappers under torchrun).

    Raises:
        SystemExit: the checkpoint has another spec or phase, or ``init`` has no checkpoint (or
            one of another spec).
    """

    def __init__(self, folder: Path, spec: HdrmSpec, cfg: TrainConfig, init: Path | None = None,
                 ctx: DistContext = SINGLE):
        super().__init__(folder, ctx)
        torch.manual_seed(cfg.seed)
        self.spec, self.cfg = spec, cfg
        self.gen = HdrNet(spec).to(ctx.device)
        self.disc = PatchDiscriminator(cfg.disc_widths).to(ctx.device)
        self.features = RandomFeatureNet(cfg.features).to(ctx.device)
        self.opt_g = torch.optim.Adam(self.gen.parameters(), lr=cfg.lr, betas=(0.9, 0.999))
        self.opt_d = torch.optim.Adam(self.disc.parameters(), lr=cfg.disc_lr, betas=(0.5, 0.999))
        self.step, self.wall_s, self.history = 0, 0.0, []
        self.rng = np.random.default_rng(cfg.seed)
        state = self.saved_state(spec.to_json())
        if state is not None:
            self._resume(state)
        elif init is not None and Path(init).suffix == ".safetensors":
            self._init_from_weights(Path(init))
        elif init is not None:
            self._init_from(Path(init))
        self.gen_net, self.disc_net = ctx.wrap(self.gen), ctx.wrap(self.disc)

    def _networks(self) -> dict[str, torch.nn.Module]:
        """The trained networks by checkpoint key."""
        return {"gen": self.gen, "disc": self.disc}

    def _resume(self, state: dict[str, Any]) -> None:
        """Take over a checkpoint of this phase: networks, optimisers, counters, RNG states.

        Raises:
            SystemExit: the checkpoint is of another phase.
        """
        if state["cfg"]["phase"] != self.cfg.phase.value:
            raise SystemExit(f"{self.ckpt} is a {state['cfg']['phase']!r} run; use a new --run "
                             f"(with --init) for phase {self.cfg.phase.value!r}")
        load_modules(state, self._networks())
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.step, self.wall_s, self.history = state["step"], state["wall_s"], state["history"]
        self.rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])

    def _init_from(self, run: Path) -> None:
        """Start from run folder ``run``'s networks and append its phase to ``history``."""
        state = init_from_run(run, self._networks(), self.spec.to_json())
        self.history = state["history"] + [{"phase": state["cfg"]["phase"], "steps": state["step"],
                                            "wall_s": round(state["wall_s"], 1),
                                            "run": str(run)}]

    def _init_from_weights(self, weights: Path) -> None:
        """Start the generator from exported HDRNet weights (a fresh discriminator), to
        fine-tune them; their phases become this run's ``history``.

        Raises:
            SystemExit: the file or its metadata is missing or corrupt, or its spec differs.
        """
        from hdr_live.weights import WeightsError, load_state_dict_strict, read_metadata

        try:
            meta = read_metadata(weights, MODEL_KIND)
            if meta.get("spec") != json.loads(json.dumps(self.spec.to_json())):
                raise SystemExit(f"--init {weights}: its spec differs from this run's")
            load_state_dict_strict(self.gen, weights)
        except WeightsError as exc:
            raise SystemExit(f"--init: {exc}") from None
        prov = meta.get("provenance", {})
        self.history = list(prov.get("phases", [])) + [{
            "phase": "exported weights", "steps": 0, "wall_s": 0.0, "weights": str(weights),
            "sha256": meta.get("sha256"), "data": prov.get("data")}]

    def save(self) -> None:
        """Write the checkpoint atomically."""
        self.write({
            "gen": self.gen.state_dict(), "disc": self.disc.state_dict(),
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "step": self.step, "wall_s": self.wall_s, "history": self.history,
            "spec": self.spec.to_json(), "cfg": self.cfg.to_json(),
            "rng": self.rng.bit_generator.state, "torch_rng": torch.get_rng_state()})

    def schedule_lr(self) -> None:
        """Set both optimisers' learning rates for the current step: ``cfg.lr`` and
        ``cfg.disc_lr`` times the same warm-up + cosine factor (:func:`warmup_cosine_lr`)."""
        scale = warmup_cosine_lr(self.step, 1.0, self.cfg.warmup_steps, self.cfg.total_steps)
        set_lr(self.opt_g, self.cfg.lr * scale)
        set_lr(self.opt_d, self.cfg.disc_lr * scale)

    def restorer(self) -> LearnedRestorer:
        """The current generator as a restorer (eval mode; call ``gen.train()`` after use), on
        the CPU (a copy of the generator when it trains on another device)."""
        gen = self.gen.eval()
        if self.ctx.device.type != "cpu":
            gen = copy.deepcopy(gen).cpu()
        return LearnedRestorer(TorchHdrNet(gen, self.ctx.threads_per_rank(self.cfg.threads)),
                               self.spec)
