"""Train HASM (SegFormer conditioned on a joint prior) on synthetic AIH-style samples.

HDR paper §3.2 / eq. (1): four masks, sum of four BCE losses. Resumable: the run folder keeps
``checkpoint.pt`` (model, optimiser, step, RNG state) and ``log.jsonl`` (loss, held-out IoU); a
second call with the same ``--run`` continues where the first stopped. ``--export`` writes the
bundled weights (safetensors + metadata JSON with config, data, steps, wall time, metrics, sha256).

    python -m training.train_hasm --data data/synth --run runs/hasm --steps 3000
    python -m training.train_hasm --data data/synth --run runs/hasm --export hdr_live/weights/hasm_mitb0.safetensors

Under torchrun (:mod:`training.distributed`) each of N processes trains on 1/N of every global
batch (``--batch`` a multiple of N), on ``cuda:LOCAL_RANK`` when CUDA is available; rank 0
evaluates and writes the checkpoint, log and export; each rank draws its own dropout masks.

    torchrun --standalone --nproc_per_node=2 -m training.train_hasm --data data/synth \
        --run-dir runs/hasm --steps 3000
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from tqdm import tqdm

from hdr_live.models.hasm_net import MASK_NAMES, MODEL_KIND, HasmNet, HasmSpec
from training.distributed import DistContext, run_in_context, trainer_parser
from training.hasm_data import PriorNoise, hasm_example
from training.hasm_losses import bce_loss
from training.run_folder import AdamWRun, read_spec
from training.synth.sample import SynthSample


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (saved with the checkpoint and the exported weights)."""

    batch: int = 16
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 100
    total_steps: int = 3000
    eval_every: int = 250
    threads: int = 2
    seed: int = 0


def make_batch(samples: Sequence[SynthSample], idx: np.ndarray, spec: HasmSpec,
               rng: np.random.Generator, noise: PriorNoise) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, C, S, S) inputs and (B, 4, S, S) targets for sample indices ``idx``."""
    xs, ys = zip(*(hasm_example(samples[int(i)], spec, rng, noise) for i in idx))
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))


def iou_per_mask(model: HasmNet, samples: Sequence[SynthSample], spec: HasmSpec,
                 noise: PriorNoise, seed: int = 1234) -> dict[str, float]:
    """Held-out IoU of each of the four masks (pooled over samples; fixed prior noise seed),
    computed on the model's device."""
    device = next(model.parameters()).device
    rng = np.random.default_rng(seed)
    inter = np.zeros(4)
    union = np.zeros(4)
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(samples), 16):
            idx = np.arange(start, min(start + 16, len(samples)))
            x, y = make_batch(samples, idx, spec, rng, noise)
            pred = torch.sigmoid(model(x.to(device))) > spec.threshold
            truth = y.to(device) > 0.5
            inter += (pred & truth).sum(dim=(0, 2, 3)).cpu().numpy()
            union += (pred | truth).sum(dim=(0, 2, 3)).cpu().numpy()
    model.train()
    return {name: float(i / u) if u else float("nan") for name, i, u in zip(MASK_NAMES, inter, union)}


class Run(AdamWRun):
    """A resumable HASM training run in a folder (:class:`training.run_folder.AdamWRun`:
    ``Run(folder, spec, cfg, init=None, ctx=SINGLE)``, checkpoint, log, ``--init``, export)."""

    network_type = HasmNet
    config_type = TrainConfig
    model_kind = MODEL_KIND
    trainer = "training/train_hasm.py"


def train(run: Run, train_set: Sequence[SynthSample], val_set: Sequence[SynthSample],
          noise: PriorNoise, until_step: int, max_minutes: float = float("inf"),
          log_every: int = 25) -> None:
    """Train from ``run.step`` to ``until_step`` (or for ``max_minutes`` of wall time, then
    checkpoint), evaluating and checkpointing on the way, logging every ``log_every`` steps.

    Under torchrun (``run.ctx``) every rank builds the global batch from the shared generator
    and trains on its shard; the logged loss is the global batch's mean; rank 0 evaluates.

    Raises:
        ValueError: under torchrun, ``cfg.batch`` is not a multiple of the process count.
    """
    cfg, ctx = run.cfg, run.ctx
    ctx.set_threads(cfg.threads)
    ctx.local_batch(cfg.batch)
    bar = tqdm(total=until_step, initial=run.step, unit="step", mininterval=30.0,
               disable=not ctx.is_main)
    t_start = time.monotonic()
    while run.step < until_step:
        if ctx.any_rank(time.monotonic() - t_start > 60.0 * max_minutes):
            record = {"step": run.step, "wall_s": round(run.wall_s, 1),
                      "val_iou": _main_iou(run, val_set, noise), "stopped": "max-minutes"}
            run.save()
            run.log(record)
            if ctx.is_main:
                tqdm.write(f"stopped after {max_minutes} min at step {run.step}: "
                           f"{record['val_iou']}")
            break
        t0 = time.perf_counter()
        run.schedule_lr()
        idx = run.rng.integers(0, len(train_set), cfg.batch)
        x, y = make_batch(train_set, idx, run.spec, run.rng, noise)
        loss = bce_loss(run.net(ctx.to_local(x)), ctx.to_local(y))
        run.opt.zero_grad(set_to_none=True)
        loss.backward()
        run.opt.step()
        run.step += 1
        run.wall_s += time.perf_counter() - t0
        loss_value = ctx.all_reduce_mean(loss.detach())
        bar.update(1)
        bar.set_postfix(loss=f"{loss_value:.3f}")
        record = {"step": run.step, "loss": round(loss_value, 5), "wall_s": round(run.wall_s, 1)}
        if run.step % cfg.eval_every == 0 or run.step == until_step:
            record["val_iou"] = _main_iou(run, val_set, noise)
            run.save()
            if ctx.is_main:
                tqdm.write(f"step {run.step}: val IoU {record['val_iou']}")
        if run.step % log_every == 0 or "val_iou" in record:
            run.log(record)
    bar.close()


def _main_iou(run: Run, val_set: Sequence[SynthSample], noise: PriorNoise) -> dict | None:
    """:func:`iou_per_mask` of the run's model on rank 0 (None on the other ranks, which do not
    log)."""
    return iou_per_mask(run.model, val_set, run.spec, noise) if run.ctx.is_main else None


def export(run: Run, out: Path, val_set: Sequence[SynthSample], noise: PriorNoise,
           data_info: dict) -> dict:
    """Write the bundled weights and metadata; returns the metrics."""
    metrics = {"val_iou": iou_per_mask(run.model, val_set, run.spec, noise),
               "val_samples": len(val_set)}
    run.write_weights(out, metrics, prior_noise=dataclasses.asdict(noise), data=data_info)
    add_onnx_export(out)
    return metrics


def add_onnx_export(weights_path: Path) -> Path:
    """Export the ONNX twin of a HASM checkpoint beside it and record its sha256 in the metadata
    (the runtime uses ONNX Runtime when the file is there and matches)."""
    from hdr_live.models.onnx_export import export_onnx
    from hdr_live.weights import load_state_dict_strict, metadata_path, read_metadata, sha256_of

    meta = read_metadata(weights_path, MODEL_KIND)
    spec = HasmSpec.from_json(meta["spec"])
    model = HasmNet(spec).eval()
    load_state_dict_strict(model, weights_path)
    onnx_path = export_onnx(model, spec.in_channels, spec.input_px,
                            Path(weights_path).with_suffix(".onnx"))
    meta["onnx_sha256"] = sha256_of(onnx_path)
    metadata_path(weights_path).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return onnx_path


def main(argv: list[str] | None = None) -> None:
    """The command line (see the module docstring); under torchrun, one process of the run."""
    run_in_context(_run_command, argv)


def _run_command(argv: list[str] | None, ctx: DistContext) -> None:
    """Parse ``argv`` and train or export in the process ``ctx``."""
    from training.synth_dataset import open_splits

    p = trainer_parser(__doc__, "training.train_hasm", "run folder (checkpoint, log)")
    p.add_argument("--init", type=Path, help="start a new run from this run's model weights")
    p.add_argument("--max-minutes", type=float, default=float("inf"),
                   help="stop (with a checkpoint) after this much wall time of this call")
    p.add_argument("--lr", type=float, default=TrainConfig.lr, help="peak learning rate")
    p.add_argument("--steps", type=int, default=TrainConfig.total_steps,
                   help="train until this step (resumes)")
    p.add_argument("--total-steps", type=int, default=TrainConfig.total_steps,
                   help="length of the learning-rate schedule")
    p.add_argument("--batch", type=int, default=TrainConfig.batch,
                   help="global batch (all processes together)")
    p.add_argument("--log-every", type=int, default=25, help="log the loss every this many steps")
    p.add_argument("--rgb-only", action="store_true", help="the paper's RGB-only HASM")
    p.add_argument("--input-px", type=int, default=HasmSpec.input_px)
    p.add_argument("--spec", type=Path,
                   help="network spec JSON (replaces --input-px and --rgb-only)")
    p.add_argument("--export", type=Path, help="write bundled weights here and stop")
    args = p.parse_args(argv)
    spec = (HasmSpec(input_px=args.input_px, uses_prior=not args.rgb_only) if args.spec is None
            else read_spec(args.spec, HasmSpec.from_json))
    cfg = TrainConfig(batch=args.batch, total_steps=args.total_steps, lr=args.lr)
    noise = PriorNoise()
    train_set, val_set, data_info = open_splits(args.data)
    if args.export:  # rank 0 alone, on the CPU
        if ctx.is_main:
            run = Run(args.run, spec, cfg, init=args.init)
            print(json.dumps(export(run, args.export, val_set, noise, data_info), indent=2))
        ctx.barrier()
        return
    run = Run(args.run, spec, cfg, init=args.init, ctx=ctx)
    ctx.seed_per_rank(cfg.seed)
    train(run, train_set, val_set, noise, args.steps, args.max_minutes, args.log_every)


if __name__ == "__main__":
    main()
