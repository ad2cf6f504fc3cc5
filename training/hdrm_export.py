"""Export a trained HDRNet: engine choice (eager PyTorch vs ONNX Runtime), held-out metrics
against the inpainting baseline, and the bundled weights with metadata.

The ONNX export is kept only if ONNX Runtime agrees with PyTorch (max |Δ| ≤ ``ONNX_ATOL`` on a
random input) and is faster per call on this machine; the metadata records both timings and
the choice (``inference.preferred_runtime``), which :func:`hdr_live.stages.hdrm.learned.load_hdrm`
follows.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from hdr_live.models.hdrnet import MODEL_KIND, count_parameters, export_hdrnet_onnx
from hdr_live.stages.hasm.learned import load_mask_net
from hdr_live.stages.hdrm.masks import CropOptions
from hdr_live.stages.hdrm.inpaint import InpaintRestorerBaseline
from hdr_live.stages.hdrm.stage import Restorer
from hdr_live.stages.hdrm.learned import (HdrNetRunner, LearnedRestorer, OnnxHdrNet, Runtime,
                                          TorchHdrNet)
from hdr_live.weights import sha256_of
from training.hdrm_data import DegradedMasks, GroundTruthMasks, HasmPredictedMasks
from training.hdrm_eval import evaluate, evaluation_crops
from training.hdrm_run import Run
from training.hdrm_timing import median_ms_per_call, random_network_input
from training.run_folder import RANDOM_INIT, write_run_weights
from training.synth.sample import SynthSample

ONNX_ATOL = 1e-4


@dataclasses.dataclass(frozen=True)
class EngineChoice:
    """Outcome of the engine comparison (ms per network call, batch 1)."""

    runner: HdrNetRunner
    runtime: Runtime
    ms_torch: float
    ms_onnx: float
    max_abs_diff: float

    def record(self) -> dict:
        """The metadata's ``inference`` entry (ms rounded to 0.01, |Δ| to 3 digits)."""
        return {"preferred_runtime": self.runtime.value, "ms_per_call_torch": round(self.ms_torch, 2),
                "ms_per_call_onnx": round(self.ms_onnx, 2),
                "onnx_max_abs_diff": float(f"{self.max_abs_diff:.3g}"), "onnx_atol": ONNX_ATOL}


def choose_engine(run: Run, onnx_path: Path, repeats: int = 20) -> EngineChoice:
    """Export ONNX to ``onnx_path``, compare with eager PyTorch, delete it if not chosen."""
    model = run.gen.eval()
    torch_runner = TorchHdrNet(model, run.cfg.threads)
    export_hdrnet_onnx(model, onnx_path)
    onnx_runner = OnnxHdrNet(onnx_path, run.cfg.threads)
    x, valid = random_network_input(run.spec, seed=7)
    diff = float(np.abs(torch_runner(x, valid) - onnx_runner(x, valid)).max())
    ms_torch, ms_onnx = median_ms_per_call([torch_runner, onnx_runner], run.spec, repeats)
    if diff <= ONNX_ATOL and ms_onnx < ms_torch:
        return EngineChoice(onnx_runner, Runtime.ONNX, ms_torch, ms_onnx, diff)
    onnx_path.unlink()
    return EngineChoice(torch_runner, Runtime.TORCH, ms_torch, ms_onnx, diff)


def compare_with_baseline(learned: Restorer, val_set: Sequence[SynthSample], run: Run) -> dict:
    """Metrics of HDRNet and of :class:`InpaintRestorerBaseline` on the same val crops, with
    ground-truth masks, with degraded masks and with the learned HASM's predicted masks (from a
    degraded joint prior; HASM weights ``run.cfg.hasm_weights``)."""
    baseline = InpaintRestorerBaseline()
    out = {}
    hasm = HasmPredictedMasks(*load_mask_net(Path(run.cfg.hasm_weights)))
    for name, source in (("gt_masks", GroundTruthMasks()),
                         ("degraded_masks", DegradedMasks(run.cfg.mask_noise)),
                         ("hasm_masks", hasm)):
        crops = evaluation_crops(val_set, source, seed=1234, options=CropOptions())
        out[name] = {"hdrnet": evaluate(learned, crops).record(),
                     "baseline_inpaint": evaluate(baseline, crops).record()}
    return out


def provenance(run: Run, data_info: dict) -> dict:
    """The exported metadata's ``provenance``: every phase's steps and wall time (s), config,
    data, init, feature network, parameter count, hardware and load at export."""
    return {
        "trainer": "training/train_hdrm.py",
        "phases": run.history + [{"phase": run.cfg.phase.value, "steps": run.step,
                                  "wall_s": round(run.wall_s, 1), "run": str(run.folder)}],
        "steps": run.step + sum(h["steps"] for h in run.history),
        "wall_time_s": round(run.wall_s + sum(h["wall_s"] for h in run.history), 1),
        "train_config": run.cfg.to_json(),
        "data": data_info,
        "init": RANDOM_INIT,
        "feature_network": "frozen random VGG-like net (training.hdrm_losses.RandomFeatureNet); "
                           "no pretrained VGG available offline",
        "parameters": count_parameters(run.gen),
        "hardware": f"{os.cpu_count()} CPU cores, no GPU; load average at export "
                    f"{[round(v, 1) for v in os.getloadavg()]}",
    }


def export(run: Run, out: Path, val_set: Sequence[SynthSample], data_info: dict,
           bench_repeats: int = 20) -> dict:
    """Write ``out`` (+ .json, + .onnx if ONNX Runtime is chosen); returns the metadata's
    metrics and the engine record."""
    out = Path(out)
    engine = choose_engine(run, out.with_suffix(".onnx"), bench_repeats)
    metrics = {"val_samples": len(val_set), "crop_px": CropOptions().size_px,
               **compare_with_baseline(LearnedRestorer(engine.runner, run.spec), val_set, run)}
    extra = {"inference": engine.record()}
    if engine.runtime is Runtime.ONNX:
        onnx_path = out.with_suffix(".onnx")
        extra["onnx"] = {"file": onnx_path.name, "sha256": sha256_of(onnx_path), "opset": 17}
    write_run_weights(run.gen, out, MODEL_KIND, run.spec.to_json(), provenance(run, data_info),
                      metrics, **extra)
    return {**metrics, "inference": engine.record()}
