"""Train HASM (SegFormer conditioned on a joint prior) on synthetic AIH-style samples.

HDR paper §3.2 / eq. (1): four masks, sum of four BCE losses. Resumable: the run folder keeps
``checkpoint.pt`` (model, optimiser, step, RNG state) and ``log.jsonl`` (loss, held-out IoU); a
second call with the same ``--run`` continues where the first stopped. ``--export`` writes the
bundled weights (safetensors + metadata JSON with config, data, steps, wall time, metrics, sha256).

    python -m training.train_hasm --data data/synth --run runs/hasm --steps 3000
    python -m training.train_hasm --data data/synth --run runs/hasm --export weights/hasm_mitb0.safetensors
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from tqdm import tqdm

from hdr_live.models.hasm_net import MASK_NAMES, MODEL_KIND, HasmNet, HasmSpec
from training.hasm_data import PriorNoise, hasm_example
from training.hasm_losses import bce_loss
from training.run_folder import AdamWRun
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
    """Held-out IoU of each of the four masks (pooled over samples; fixed prior noise seed)."""
    rng = np.random.default_rng(seed)
    inter = np.zeros(4)
    union = np.zeros(4)
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(samples), 16):
            idx = np.arange(start, min(start + 16, len(samples)))
            x, y = make_batch(samples, idx, spec, rng, noise)
            pred = torch.sigmoid(model(x)) > spec.threshold
            truth = y > 0.5
            inter += (pred & truth).sum(dim=(0, 2, 3)).numpy()
            union += (pred | truth).sum(dim=(0, 2, 3)).numpy()
    model.train()
    return {name: float(i / u) if u else float("nan") for name, i, u in zip(MASK_NAMES, inter, union)}


class Run(AdamWRun):
    """A resumable HASM training run in a folder (:class:`training.run_folder.AdamWRun`:
    ``Run(folder, spec, cfg, init=None)``, checkpoint, log, ``--init``, export)."""

    network_type = HasmNet
    config_type = TrainConfig
    model_kind = MODEL_KIND
    trainer = "training/train_hasm.py"


def train(run: Run, train_set: Sequence[SynthSample], val_set: Sequence[SynthSample],
          noise: PriorNoise, until_step: int, max_minutes: float = float("inf")) -> None:
    """Train from ``run.step`` to ``until_step`` (or for ``max_minutes`` of wall time, then
    checkpoint), evaluating and checkpointing on the way."""
    cfg = run.cfg
    torch.set_num_threads(cfg.threads)
    bar = tqdm(total=until_step, initial=run.step, unit="step", mininterval=30.0)
    t_start = time.monotonic()
    while run.step < until_step:
        if time.monotonic() - t_start > 60.0 * max_minutes:
            record = {"step": run.step, "wall_s": round(run.wall_s, 1),
                      "val_iou": iou_per_mask(run.model, val_set, run.spec, noise),
                      "stopped": "max-minutes"}
            run.save()
            run.log(record)
            tqdm.write(f"stopped after {max_minutes} min at step {run.step}: {record['val_iou']}")
            break
        t0 = time.perf_counter()
        run.schedule_lr()
        idx = run.rng.integers(0, len(train_set), cfg.batch)
        x, y = make_batch(train_set, idx, run.spec, run.rng, noise)
        loss = bce_loss(run.model(x), y)
        run.opt.zero_grad(set_to_none=True)
        loss.backward()
        run.opt.step()
        run.step += 1
        run.wall_s += time.perf_counter() - t0
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.3f}")
        record = {"step": run.step, "loss": round(loss.item(), 5), "wall_s": round(run.wall_s, 1)}
        if run.step % cfg.eval_every == 0 or run.step == until_step:
            record["val_iou"] = iou_per_mask(run.model, val_set, run.spec, noise)
            run.save()
            tqdm.write(f"step {run.step}: val IoU {record['val_iou']}")
        if run.step % 25 == 0 or "val_iou" in record:
            run.log(record)
    bar.close()


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
    from training.synth_dataset import open_splits

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, nargs="+", required=True,
                   help="generated synthetic dataset folder(s)")
    p.add_argument("--run", type=Path, required=True, help="run folder (checkpoint, log)")
    p.add_argument("--init", type=Path, help="start a new run from this run's model weights")
    p.add_argument("--max-minutes", type=float, default=float("inf"),
                   help="stop (with a checkpoint) after this much wall time of this call")
    p.add_argument("--lr", type=float, default=TrainConfig.lr, help="peak learning rate")
    p.add_argument("--steps", type=int, default=TrainConfig.total_steps,
                   help="train until this step (resumes)")
    p.add_argument("--total-steps", type=int, default=TrainConfig.total_steps,
                   help="length of the learning-rate schedule")
    p.add_argument("--rgb-only", action="store_true", help="the paper's RGB-only HASM")
    p.add_argument("--input-px", type=int, default=HasmSpec.input_px)
    p.add_argument("--export", type=Path, help="write bundled weights here and stop")
    args = p.parse_args(argv)
    spec = HasmSpec(input_px=args.input_px, uses_prior=not args.rgb_only)
    cfg = TrainConfig(total_steps=args.total_steps, lr=args.lr)
    noise = PriorNoise()
    train_set, val_set, data_info = open_splits(args.data)
    run = Run(args.run, spec, cfg, init=args.init)
    if args.export:
        print(json.dumps(export(run, args.export, val_set, noise, data_info), indent=2))
        return
    train(run, train_set, val_set, noise, args.steps, args.max_minutes)


if __name__ == "__main__":
    main()
