"""Train HDRM's HDRNet (HDR paper §3.3, eq. 4, §5.1) on synthetic AIH-style samples.

Two phases as in the paper: ``--phase gt`` trains with ground-truth masks; ``--phase
predicted-masks`` fine-tunes (``--init`` = the phase-1 run folder) with the masks the learned
HASM (``--hasm-weights``) predicts from a tracker-like degraded joint prior
(:class:`training.hdrm_data.HasmPredictedMasks`). ``--phase degraded-masks`` is a stand-in that
needs no HASM: ground-truth masks degraded at random (:class:`training.hdrm_data.DegradedMasks`). Adam for the generator and the
patch discriminator, λ = (0.1, 3.0, 0.1, 250).

Resumable: the run folder keeps ``checkpoint.pt`` (generator, discriminator, both optimisers,
step, wall time, numpy and torch RNG states, phase history) and ``log.jsonl`` (losses every
``log_every`` steps; held-out L1/PSNR/SSIM in M_D and M_R every ``eval_every`` steps). Calling
again with the same ``--run`` continues. ``--export`` writes ``weights/NAME.safetensors`` +
``NAME.json`` (spec, config, data seed and size, steps, wall time, metrics of HDRNet *and* of the
inpainting baseline on the same val crops, ms/crop of eager PyTorch and ONNX Runtime, sha256),
plus ``NAME.onnx`` when ONNX Runtime is the faster engine and agrees with PyTorch.

    python -m training.train_hdrm --data data/synth_v1 --run runs/hdrm_gt --phase gt --steps 2000
    python -m training.train_hdrm --data data/synth_v1 --run runs/hdrm_pm --phase predicted-masks \
        --init runs/hdrm_gt --steps 3000
    python -m training.train_hdrm --data data/synth_v1 --run runs/hdrm_pm \
        --export weights/hdrm_hdrnet.safetensors
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from hdr_live.models.hdrnet import HdrmSpec, HdrNet
from hdr_live.models.hdrnet_losses import (FeatureNetSpec, LossWeights, PatchDiscriminator,
                                           RandomFeatureNet, discriminator_loss, generator_loss)
from hdr_live.stages.builders import DEFAULT_HASM_WEIGHTS
from hdr_live.stages.hasm_learned import load_mask_net
from hdr_live.stages.hdrm_learned import LearnedRestorer, TorchHdrNet
from training.hdrm_data import (DegradedMasks, ExampleOptions, GroundTruthMasks,
                                HasmPredictedMasks, HdrmBatch, MaskNoise, MaskSource, make_batch)
from training.run_folder import CHECKPOINT, append_log, read_checkpoint, write_checkpoint
from training.hdrm_eval import HdrmMetrics, evaluate, evaluation_crops
from training.synth.sample import SynthSample


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
        d = dataclasses.asdict(self)
        d["phase"] = self.phase.value
        return d


def _lr_scale(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up then cosine decay to 0 at ``total_steps``."""
    if step < cfg.warmup_steps:
        return (step + 1) / cfg.warmup_steps
    progress = min((step - cfg.warmup_steps) / max(cfg.total_steps - cfg.warmup_steps, 1), 1.0)
    return 0.5 * (1.0 + float(np.cos(np.pi * progress)))


class Run:
    """A resumable training run in a folder (see the module docstring).

    Args:
        folder: run folder (created).
        spec, cfg: network and optimisation settings; a resumed checkpoint must match ``spec``.
        init: a previous phase's run folder whose generator and discriminator start this run
            (used only when ``folder`` has no checkpoint yet).

    Raises:
        SystemExit: the checkpoint has another spec, or ``init`` has no checkpoint.
    """

    def __init__(self, folder: Path, spec: HdrmSpec, cfg: TrainConfig, init: Path | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ckpt = self.folder / CHECKPOINT
        torch.manual_seed(cfg.seed)
        self.spec, self.cfg = spec, cfg
        self.gen, self.disc = HdrNet(spec), PatchDiscriminator(cfg.disc_widths)
        self.features = RandomFeatureNet(cfg.features)
        self.opt_g = torch.optim.Adam(self.gen.parameters(), lr=cfg.lr, betas=(0.9, 0.999))
        self.opt_d = torch.optim.Adam(self.disc.parameters(), lr=cfg.disc_lr, betas=(0.5, 0.999))
        self.step, self.wall_s, self.history = 0, 0.0, []
        self.rng = np.random.default_rng(cfg.seed)
        if self.ckpt.is_file():
            self._resume(read_checkpoint(self.ckpt, spec.to_json()))
        elif init is not None:
            self._init_from(Path(init) / CHECKPOINT)

    def _resume(self, state: dict) -> None:
        if state["cfg"]["phase"] != self.cfg.phase.value:
            raise SystemExit(f"{self.ckpt} is a {state['cfg']['phase']!r} run; use a new --run "
                             f"(with --init) for phase {self.cfg.phase.value!r}")
        self.gen.load_state_dict(state["gen"], strict=True)
        self.disc.load_state_dict(state["disc"], strict=True)
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.step, self.wall_s, self.history = state["step"], state["wall_s"], state["history"]
        self.rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])

    def _init_from(self, path: Path) -> None:
        state = read_checkpoint(path, self.spec.to_json())
        self.gen.load_state_dict(state["gen"], strict=True)
        self.disc.load_state_dict(state["disc"], strict=True)
        self.history = state["history"] + [{"phase": state["cfg"]["phase"], "steps": state["step"],
                                            "wall_s": round(state["wall_s"], 1),
                                            "run": str(path.parent)}]

    def save(self) -> None:
        """Write the checkpoint atomically."""
        write_checkpoint(self.ckpt, {
            "gen": self.gen.state_dict(), "disc": self.disc.state_dict(),
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "step": self.step, "wall_s": self.wall_s, "history": self.history,
            "spec": self.spec.to_json(), "cfg": self.cfg.to_json(),
            "rng": self.rng.bit_generator.state, "torch_rng": torch.get_rng_state()})

    def log(self, record: dict) -> None:
        append_log(self.folder, record)

    def restorer(self) -> LearnedRestorer:
        """The current generator as a restorer (eval mode; call ``gen.train()`` after use)."""
        return LearnedRestorer(TorchHdrNet(self.gen.eval(), self.cfg.threads), self.spec)


def train_step(run: Run, batch: HdrmBatch) -> dict:
    """One discriminator and one generator update (eq. 4) on ``batch``; returns the loss record."""
    for opt, base in ((run.opt_g, run.cfg.lr), (run.opt_d, run.cfg.disc_lr)):
        for group in opt.param_groups:
            group["lr"] = base * _lr_scale(run.step, run.cfg)
    run.gen.train()
    output = run.gen(batch.x, batch.valid)
    run.disc.requires_grad_(True)
    d_loss = discriminator_loss(run.disc(batch.target, batch.disc_masks),
                                run.disc(output.detach(), batch.disc_masks))
    run.opt_d.zero_grad(set_to_none=True)
    d_loss.backward()
    run.opt_d.step()
    run.disc.requires_grad_(False)
    g = generator_loss(run.disc(output, batch.disc_masks), output, batch.target, batch.m_d,
                       batch.m_r, run.features, run.cfg.weights)
    run.opt_g.zero_grad(set_to_none=True)
    g.total.backward()
    run.opt_g.step()
    run.step += 1
    return {**g.record(), "disc": round(float(d_loss.detach()), 6)}


def validate(run: Run, crops: Sequence) -> HdrmMetrics:
    """Held-out metrics of the current generator on ``crops`` (restores train mode)."""
    try:
        return evaluate(run.restorer(), crops)
    finally:
        run.gen.train()


def train(run: Run, train_set: Sequence[SynthSample], val_crops: Sequence, until_step: int,
          max_seconds: float = float("inf")) -> None:
    """Train from ``run.step`` to ``until_step`` (or until ``max_seconds`` of this call),
    logging, evaluating on ``val_crops`` and checkpointing on the way."""
    torch.set_num_threads(run.cfg.threads)
    source, started = run.cfg.mask_source(), time.perf_counter()
    while run.step < until_step and time.perf_counter() - started < max_seconds:
        t0 = time.perf_counter()
        batch = make_batch(train_set, run.cfg.batch, run.spec.input_px, run.rng, source,
                           run.cfg.examples)
        record = train_step(run, batch)
        run.wall_s += time.perf_counter() - t0
        record.update(step=run.step, phase=run.cfg.phase.value, wall_s=round(run.wall_s, 1),
                      s_per_step=round(time.perf_counter() - t0, 3))
        last = run.step == until_step
        if run.step % run.cfg.eval_every == 0 or last:
            record["val"] = validate(run, val_crops).record()
        if run.step % run.cfg.save_every == 0 or "val" in record or last:
            run.save()
        if run.step % run.cfg.log_every == 0 or "val" in record:
            run.log(record)
            print(json.dumps(record), flush=True)
    run.save()


def main(argv: list[str] | None = None) -> None:
    from training.hdrm_export import export
    from training.synth_dataset import open_splits

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, nargs="+", required=True,
                   help="generated synthetic dataset folder(s)")
    p.add_argument("--run", type=Path, required=True, help="run folder (checkpoint, log)")
    p.add_argument("--phase", choices=[ph.value for ph in Phase], default=Phase.GT.value)
    p.add_argument("--init", type=Path, help="previous phase's run folder to start from")
    p.add_argument("--steps", type=int, default=TrainConfig.total_steps,
                   help="train until this step of this run (resumes)")
    p.add_argument("--total-steps", type=int, default=TrainConfig.total_steps,
                   help="length of the learning-rate schedule")
    p.add_argument("--max-minutes", type=float, default=float("inf"),
                   help="stop (with a checkpoint) after this much wall time of this call")
    p.add_argument("--lr", type=float, help="generator learning rate (default: by phase)")
    p.add_argument("--batch", type=int, default=TrainConfig.batch)
    p.add_argument("--input-px", type=int, default=HdrmSpec.input_px)
    p.add_argument("--channels", type=int, nargs="+", default=list(HdrmSpec.channels))
    p.add_argument("--hasm-weights", type=Path, default=DEFAULT_HASM_WEIGHTS,
                   help="HASM checkpoint whose predictions phase predicted-masks trains with")
    p.add_argument("--export", type=Path, help="write bundled weights here and stop")
    args = p.parse_args(argv)
    phase = Phase(args.phase)
    lr = args.lr if args.lr is not None else (6e-4 if phase is Phase.GT else 4e-4)
    spec = HdrmSpec(input_px=args.input_px, channels=tuple(args.channels),
                    kernels=tuple(5 if i < 2 else 3 for i in range(len(args.channels))))
    cfg = TrainConfig(phase=phase, batch=args.batch, lr=lr, total_steps=args.total_steps,
                      hasm_weights=str(args.hasm_weights))
    train_set, val_set, data_info = open_splits(args.data, cache=False)
    run = Run(args.run, spec, cfg, init=args.init)
    if args.export:
        print(json.dumps(export(run, args.export, val_set, data_info), indent=2))
        return
    val_crops = evaluation_crops(val_set[:cfg.eval_samples], cfg.mask_source())
    train(run, train_set, val_crops, args.steps, args.max_minutes * 60.0)


if __name__ == "__main__":
    main()
