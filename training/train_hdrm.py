"""Train HDRM's HDRNet (HDR paper §3.3, eq. 4, §5.1) on synthetic AIH-style samples.

Two phases as in the paper: ``--phase gt`` trains with ground-truth masks; ``--phase
predicted-masks`` fine-tunes (``--init`` = the phase-1 run folder) with the masks the learned
HASM (``--hasm-weights``) predicts from a tracker-like degraded joint prior
(:class:`training.hdrm_data.HasmPredictedMasks`). ``--phase degraded-masks`` is a stand-in
that needs no HASM: ground-truth masks degraded at random
(:class:`training.hdrm_data.DegradedMasks`). Adam for the generator and the patch
discriminator, λ = (0.1, 3.0, 0.1, 250).

Resumable (:class:`training.hdrm_run.Run`): the run folder keeps ``checkpoint.pt`` (generator,
discriminator, both optimisers, step, wall time, numpy and torch RNG states, phase history) and
``log.jsonl`` (losses every ``log_every`` steps; held-out L1/PSNR/SSIM in M_D and M_R every
``eval_every`` steps). Calling again with the same ``--run`` continues. ``--export`` writes ``hdr_live/weights/NAME.safetensors`` +
``NAME.json`` (spec, config, data seed and size, steps, wall time, metrics of HDRNet *and* of the
inpainting baseline on the same val crops, ms/crop of eager PyTorch and ONNX Runtime, sha256),
plus ``NAME.onnx`` when ONNX Runtime is the faster engine and agrees with PyTorch.

    python -m training.train_hdrm --data data/synth_v1 --run runs/hdrm_gt --phase gt --steps 2000
    python -m training.train_hdrm --data data/synth_v1 --run runs/hdrm_pm --phase predicted-masks \
        --init runs/hdrm_gt --steps 3000
    python -m training.train_hdrm --data data/synth_v1 --run runs/hdrm_pm \
        --export hdr_live/weights/hdrm_hdrnet.safetensors

Under torchrun (:mod:`training.distributed`) each of N processes trains generator and
discriminator (both DistributedDataParallel, BatchNorm synchronised) on 1/N of every global
batch (``--batch`` a multiple of N); rank 0 evaluates and writes the checkpoint, log and export.

    torchrun --standalone --nproc_per_node=2 -m training.train_hdrm --data data/synth_v1 \
        --run-dir runs/hdrm_gt --phase gt --steps 2000
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Sequence


from hdr_live.config import DEFAULT_HASM_WEIGHTS
from hdr_live.models.hdrnet import HdrmSpec
from training.distributed import DistContext, run_in_context, trainer_parser
from training.hdrm_data import HdrmBatch, make_batch
from training.hdrm_eval import HdrmMetrics, evaluate, evaluation_crops
from training.hdrm_export import export
from training.hdrm_losses import discriminator_loss, generator_loss
from training.hdrm_run import Phase, Run, TrainConfig
from training.run_folder import read_spec
from training.synth.sample import SynthSample

__all__ = ["Phase", "Run", "TrainConfig", "train_step", "validate", "train", "main"]


def train_step(run: Run, batch: HdrmBatch) -> dict:
    """One discriminator and one generator update (eq. 4) on ``batch`` (this rank's shard under
    torchrun, where the record's losses are averaged over the ranks); returns the loss record.

    The generator's adversarial term goes through the bare, frozen discriminator (no gradients
    of its own to average)."""
    run.schedule_lr()
    run.gen.train()
    output = run.gen_net(batch.x, batch.valid)
    run.disc.requires_grad_(True)
    d_loss = discriminator_loss(run.disc_net(batch.target, batch.disc_masks),
                                run.disc_net(output.detach(), batch.disc_masks))
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
    record = run.ctx.mean_record({**g.record(), "disc": float(d_loss.detach())})
    return {key: round(value, 6) for key, value in record.items()}


def shard_batch(batch: HdrmBatch, ctx: DistContext) -> HdrmBatch:
    """This rank's shard of the global ``batch``, on its device (``batch``'s own tensors in one
    CPU process)."""
    return HdrmBatch(**{f.name: ctx.to_local(getattr(batch, f.name))
                        for f in dataclasses.fields(batch)})


def validate(run: Run, crops: Sequence) -> HdrmMetrics:
    """Held-out metrics of the current generator on ``crops`` (restores train mode)."""
    try:
        return evaluate(run.restorer(), crops)
    finally:
        run.gen.train()


def train(run: Run, train_set: Sequence[SynthSample], val_crops: Sequence, until_step: int,
          max_seconds: float = float("inf")) -> None:
    """Train from ``run.step`` to ``until_step`` (or until ``max_seconds`` of this call),
    logging, evaluating on ``val_crops`` and checkpointing on the way. Under torchrun every
    rank draws the global batch from the shared generator and trains on its shard; rank 0
    evaluates and prints.

    Raises:
        ValueError: under torchrun, ``cfg.batch`` is not a multiple of the process count.
    """
    ctx = run.ctx
    ctx.set_threads(run.cfg.threads)
    ctx.local_batch(run.cfg.batch)
    source, started = run.cfg.mask_source(), time.perf_counter()
    while run.step < until_step and not ctx.any_rank(time.perf_counter() - started >= max_seconds):
        t0 = time.perf_counter()
        batch = make_batch(train_set, run.cfg.batch, run.spec.input_px, run.rng, source,
                           run.cfg.examples)
        record = train_step(run, shard_batch(batch, ctx))
        run.wall_s += time.perf_counter() - t0
        record.update(step=run.step, phase=run.cfg.phase.value, wall_s=round(run.wall_s, 1),
                      s_per_step=round(time.perf_counter() - t0, 3))
        last = run.step == until_step
        if run.step % run.cfg.eval_every == 0 or last:
            record["val"] = validate(run, val_crops).record() if ctx.is_main else None
        if run.step % run.cfg.save_every == 0 or "val" in record or last:
            run.save()
        if run.step % run.cfg.log_every == 0 or "val" in record:
            run.log(record)
            if ctx.is_main:
                print(json.dumps(record), flush=True)
    run.save()


def main(argv: list[str] | None = None) -> None:
    """The command line (see the module docstring); under torchrun, one process of the run."""
    run_in_context(_run_command, argv)


def _run_command(argv: list[str] | None, ctx: DistContext) -> None:
    """Parse ``argv`` and train or export in the process ``ctx``."""
    from training.synth_dataset import open_splits

    p = trainer_parser(__doc__, "training.train_hdrm", "run folder (checkpoint, log)")
    p.add_argument("--phase", choices=[ph.value for ph in Phase], default=Phase.GT.value)
    p.add_argument("--init", type=Path, help="previous phase's run folder, or exported .safetensors "
                   "weights (the generator alone), to start from")
    p.add_argument("--steps", type=int, default=TrainConfig.total_steps,
                   help="train until this step of this run (resumes)")
    p.add_argument("--total-steps", type=int, default=TrainConfig.total_steps,
                   help="length of the learning-rate schedule")
    p.add_argument("--max-minutes", type=float, default=float("inf"),
                   help="stop (with a checkpoint) after this much wall time of this call")
    p.add_argument("--lr", type=float, help="generator learning rate (default: by phase)")
    p.add_argument("--batch", type=int, default=TrainConfig.batch,
                   help="global batch (all processes together)")
    p.add_argument("--log-every", type=int, default=TrainConfig.log_every,
                   help="log the losses every this many steps")
    p.add_argument("--input-px", type=int, default=HdrmSpec.input_px)
    p.add_argument("--channels", type=int, nargs="+", default=list(HdrmSpec.channels))
    p.add_argument("--hasm-weights", type=Path, default=DEFAULT_HASM_WEIGHTS,
                   help="HASM checkpoint whose predictions phase predicted-masks trains with")
    p.add_argument("--spec", type=Path,
                   help="network spec JSON (replaces --input-px and --channels)")
    p.add_argument("--export", type=Path, help="write bundled weights here and stop")
    args = p.parse_args(argv)
    phase = Phase(args.phase)
    lr = args.lr if args.lr is not None else (6e-4 if phase is Phase.GT else 4e-4)
    spec = (HdrmSpec(input_px=args.input_px, channels=tuple(args.channels),
                     kernels=tuple(5 if i < 2 else 3 for i in range(len(args.channels))))
            if args.spec is None else read_spec(args.spec, HdrmSpec.from_json))
    cfg = TrainConfig(phase=phase, batch=args.batch, lr=lr, total_steps=args.total_steps,
                      log_every=args.log_every, hasm_weights=str(args.hasm_weights))
    train_set, val_set, data_info = open_splits(args.data, cache=False)
    if args.export:  # rank 0 alone, on the CPU
        if ctx.is_main:
            run = Run(args.run, spec, cfg, init=args.init)
            print(json.dumps(export(run, args.export, val_set, data_info), indent=2))
        ctx.barrier()
        return
    run = Run(args.run, spec, cfg, init=args.init, ctx=ctx)
    val_crops = (evaluation_crops(val_set[:cfg.eval_samples], cfg.mask_source()) if ctx.is_main
                 else [])
    train(run, train_set, val_crops, args.steps, args.max_minutes * 60.0)


if __name__ == "__main__":
    main()
