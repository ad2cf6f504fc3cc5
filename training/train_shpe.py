"""Train the synthetic single-hand pose estimator (:mod:`training.shpe_detnet`) used by the HDR
ablation (paper Table 5: "the same SHPE trained on the IH26M-SH set" — here, on the synthetic
single-hand targets I_o*).

Resumable: the run folder keeps ``checkpoint.pt`` (model, optimiser, step, RNG state),
``log.jsonl`` (losses, held-out 2D EPE and MPJPE) and ``crops_{train,val}.npz`` (the cached
single-hand crops). ``--export`` writes safetensors + metadata (config, data, steps, wall time,
metrics, sha256).

    python -m training.train_shpe --data data/synth_v1 data/synth_v2 --run runs/shpe --steps 4000
    python -m training.train_shpe --data data/synth_v1 data/synth_v2 --run runs/shpe \
        --export weights/shpe_synth_detnet.safetensors
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from hdr_live.eval2d import mpjpe_mm
from hdr_live.weights import write_weights
from training.shpe_data import HandCrops, build_hand_crops, make_batch
from training.shpe_detnet import MODEL_KIND, DetNet, DetNetSpec, decode, detnet_loss
from training.run_folder import CHECKPOINT, append_log, read_checkpoint, write_checkpoint
from training.train_hasm import cosine_lr


@dataclasses.dataclass(frozen=True)
class ShpeTrainConfig:
    """Optimisation settings (saved with the checkpoint and the exported weights).

    ``heat_weight`` scales L_heat against L_loc (heat maps are mostly zero; without it the
    network first learns the location maps only)."""

    batch: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 100
    total_steps: int = 4000
    eval_every: int = 250
    heat_weight: float = 10.0
    threads: int = 2
    seed: int = 0


def cached_crops(path: Path, samples, spec: DetNetSpec) -> HandCrops:
    """The crops of ``samples``, built once and kept in ``path`` (.npz)."""
    if path.is_file():
        with np.load(path) as z:
            return HandCrops(z["images"], z["joints_crop_px"], z["joints_rel_m"], z["has_3d"])
    crops = build_hand_crops(tqdm(samples, desc=f"crops → {path.name}", mininterval=30.0), spec)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **dataclasses.asdict(crops))
    tmp.replace(path)
    return crops


def evaluate(model: DetNet, crops: HandCrops, spec: DetNetSpec) -> dict[str, float]:
    """Held-out 2D EPE (px of the 256² crop) and root-aligned MPJPE (mm, exact-3D hands only)
    on clean single-hand crops, without jitter."""
    model.eval()
    epe, mpjpe = [], []
    with torch.inference_mode():
        for start in range(0, len(crops), 64):
            idx = np.arange(start, min(start + 64, len(crops)))
            x, _, rel_t, has_3d, joints = make_batch(crops, idx, spec, None)
            heat, loc = model(torch.from_numpy(x))
            for k in range(len(idx)):
                j2, rel, _ = decode(heat[k].numpy(), loc[k].numpy(), spec)
                epe.append(np.linalg.norm(j2 - joints[k], axis=1).mean())
                if has_3d[k]:
                    mpjpe.append(mpjpe_mm(rel, rel_t[k] * spec.loc_scale_m * 1000.0))
    model.train()
    return {"epe_crop_px": float(np.mean(epe)), "mpjpe_mm": float(np.mean(mpjpe)),
            "hands": len(epe), "hands_3d": len(mpjpe)}


class ShpeRun:
    """A resumable SHPE training run in a folder."""

    def __init__(self, folder: Path, spec: DetNetSpec, cfg: ShpeTrainConfig) -> None:
        """Open (resume) the run. Raises SystemExit when the checkpoint has another spec."""
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ckpt = self.folder / CHECKPOINT
        torch.manual_seed(cfg.seed)
        self.model = DetNet(spec)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr,
                                     weight_decay=cfg.weight_decay)
        self.spec, self.cfg, self.step, self.wall_s = spec, cfg, 0, 0.0
        self.rng = np.random.default_rng(cfg.seed)
        if self.ckpt.is_file():
            state = read_checkpoint(self.ckpt, spec.to_json())
            self.model.load_state_dict(state["model"], strict=True)
            self.opt.load_state_dict(state["opt"])
            self.step, self.wall_s = state["step"], state["wall_s"]
            self.cfg = ShpeTrainConfig(**state["cfg"])
            self.rng.bit_generator.state = state["rng"]

    def save(self) -> None:
        write_checkpoint(self.ckpt, {
            "model": self.model.state_dict(), "opt": self.opt.state_dict(), "step": self.step,
            "wall_s": self.wall_s, "spec": self.spec.to_json(),
            "cfg": dataclasses.asdict(self.cfg), "rng": self.rng.bit_generator.state})

    def log(self, record: dict) -> None:
        append_log(self.folder, record)

    def train_step(self, crops: HandCrops) -> dict[str, float]:
        """One optimiser step on a random jittered batch; returns the losses."""
        for group in self.opt.param_groups:
            group["lr"] = cosine_lr(self.step, self.cfg)
        idx = self.rng.integers(0, len(crops), self.cfg.batch)
        x, heat_t, rel_t, has_3d, _ = make_batch(crops, idx, self.spec, self.rng)
        heat, loc = self.model(torch.from_numpy(x))
        l_heat, l_loc = detnet_loss(heat, loc, torch.from_numpy(heat_t), torch.from_numpy(rel_t),
                                    torch.from_numpy(has_3d))
        loss = self.cfg.heat_weight * l_heat + l_loc
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.step += 1
        return {"l_heat": l_heat.item(), "l_loc": l_loc.item()}


def train(run: ShpeRun, train_crops: HandCrops, val_crops: HandCrops, until_step: int,
          max_minutes: float = float("inf")) -> None:
    """Train from ``run.step`` to ``until_step`` or for ``max_minutes`` (then checkpoint)."""
    torch.set_num_threads(run.cfg.threads)
    bar = tqdm(total=until_step, initial=run.step, unit="step", mininterval=30.0)
    t_start = time.monotonic()
    while run.step < until_step and time.monotonic() - t_start < 60.0 * max_minutes:
        t0 = time.perf_counter()
        losses = run.train_step(train_crops)
        run.wall_s += time.perf_counter() - t0
        bar.update(1)
        record = {"step": run.step, **{k: round(v, 5) for k, v in losses.items()},
                  "wall_s": round(run.wall_s, 1)}
        if run.step % run.cfg.eval_every == 0 or run.step == until_step:
            record["val"] = evaluate(run.model, val_crops, run.spec)
            run.save()
            tqdm.write(f"step {run.step}: {record['val']}")
        if run.step % 25 == 0 or "val" in record:
            run.log(record)
    run.save()
    bar.close()


def export(run: ShpeRun, out: Path, val_crops: HandCrops, data_info: dict) -> dict:
    """Write the weights and metadata; returns the metrics."""
    metrics = evaluate(run.model, val_crops, run.spec)
    write_weights(run.model.eval(), out, MODEL_KIND, {
        "spec": run.spec.to_json(),
        "provenance": {
            "trainer": "training/train_shpe.py",
            "trained_on": "single-hand targets I_o* of the synthetic train split, HDRM crops "
                          "from ground-truth masks, random similarity jitter",
            "steps": run.step, "wall_time_s": round(run.wall_s, 1),
            "train_config": dataclasses.asdict(run.cfg), "data": data_info,
            "init": "random (no pretrained weights)", "hardware": "2 CPU cores, no GPU",
        },
        "metrics": {"val_clean_single_hand": metrics},
    })
    return metrics


def main(argv: list[str] | None = None) -> None:
    from training.synth_dataset import open_splits

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, nargs="+", required=True)
    p.add_argument("--run", type=Path, required=True, help="run folder (checkpoint, log, crops)")
    p.add_argument("--steps", type=int, default=ShpeTrainConfig.total_steps,
                   help="train until this step (resumes)")
    p.add_argument("--total-steps", type=int, default=ShpeTrainConfig.total_steps,
                   help="length of the learning-rate schedule")
    p.add_argument("--max-minutes", type=float, default=float("inf"))
    p.add_argument("--export", type=Path, help="write weights here and stop")
    args = p.parse_args(argv)
    spec = DetNetSpec()
    train_set, val_set, data_info = open_splits(args.data, cache=False)
    run = ShpeRun(args.run, spec, ShpeTrainConfig(total_steps=args.total_steps))
    val_crops = cached_crops(run.folder / "crops_val.npz", val_set, spec)
    if args.export:
        print(json.dumps(export(run, args.export, val_crops, data_info), indent=2))
        return
    train_crops = cached_crops(run.folder / "crops_train.npz", train_set, spec)
    train(run, train_crops, val_crops, args.steps, args.max_minutes)


if __name__ == "__main__":
    main()
