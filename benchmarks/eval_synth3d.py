"""Synthetic held-out 3D evaluation (issue 16): PCK/AUC under small and severe occlusion, MRRPE.

    python benchmarks/eval_synth3d.py --data /tmp/heldout9001 [--count 200] [--true-focal]
        [--out-md report.md]

The held-out set is ``python -m training.synth.generate --out DIR --count N --size 256
--workers 1 --seed 9001``; it is generated when ``DIR`` lacks ``index.json``, and a set of
another seed is refused (4242 is the training seed). Each sample runs through the default batch
pipeline for stills (``default_config(App.BATCH, InputKind.IMAGES)``) as a fresh sequence. Per
ground-truth hand: occluded joints (:func:`hdr_live.metrics3d.occluded_joints` on its own visible
mask), the predicted hand of the same side, and wrist-aligned errors of each estimate present:
``mediapipe`` (``HandPose.joints_rel_m``), ``lifted`` (``lifted_rel_m``), ``fitted``
(``joints_cam_m``). Missed hands are left out of PCK and counted per split. ``visible`` scores
only the unoccluded joints (seed 003 Table 2), ``all`` every joint but the wrist. MRRPE uses the
fitted estimate on samples with both hands found and exact 3D truth (AIH_Syn's pasted hand has
weak-perspective 3D, ``joints_3d_exact=False``). The last line is
``summary auc_severe_mediapipe=<f> auc_severe_lifted=<f|na> auc_severe_fitted=<f|na>`` (visible
joints, severe split).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hdr_live.build import build_pipeline  # noqa: E402
from hdr_live.config import App, InputKind, PipelineConfig, default_config  # noqa: E402
from hdr_live.joints import Side  # noqa: E402
from hdr_live.metrics3d import (PCK_THRESHOLDS_MM, is_severe, mrrpe_mm,  # noqa: E402
                                occluded_joints, pck_by_occlusion, root_aligned_errors_mm)
from hdr_live.types import Frame, FrameResult  # noqa: E402
from training.synth.dataset import SynthDataset  # noqa: E402
from training.synth.generate import GenerateOptions, generate  # noqa: E402
from training.synth.sample import SynthSample  # noqa: E402

#: The seed reserved for the held-out set.
HELDOUT_SEED = 9001
#: Estimate name → :class:`hdr_live.types.HandPose` field.
ESTIMATES: tuple[tuple[str, str], ...] = (
    ("mediapipe", "joints_rel_m"), ("lifted", "lifted_rel_m"), ("fitted", "joints_cam_m"))


@dataclasses.dataclass(frozen=True)
class HandRecord:
    """One ground-truth hand of one sample.

    Attributes:
        sample_index, side: which hand. occluded: (21,) bool occluded joints.
        found: the pipeline returned a hand of this side.
        errors_mm: per :data:`ESTIMATES` entry, (21,) float64 wrist-aligned errors in mm, or
            None (hand missed or estimate absent).
        cam_m: per :data:`ESTIMATES` entry, (21, 3) the estimate itself (metres) or None.
        gt_cam_m: (21, 3) ground-truth camera metres. exact_3d: the 3D truth is exact.
    """

    sample_index: int
    side: Side
    occluded: np.ndarray
    found: bool
    errors_mm: tuple[np.ndarray | None, ...]
    cam_m: tuple[np.ndarray | None, ...]
    gt_cam_m: np.ndarray
    exact_3d: bool


def ensure_heldout(root: Path, count: int) -> None:
    """Generate the seed-9001 set of ``count`` 256-px samples into ``root`` unless it has an
    ``index.json``.

    Raises:
        SystemExit: the existing set was made with another seed.
    """
    index = root / "index.json"
    if not index.is_file():
        generate(root, count, GenerateOptions(seed=HELDOUT_SEED, size=256), workers=1,
                 progress=False)
    seed = json.loads(index.read_text()).get("seed")
    if seed != HELDOUT_SEED:
        raise SystemExit(f"{root} was generated with seed {seed}; the held-out set is seed "
                         f"{HELDOUT_SEED}")


def with_true_camera(config: PipelineConfig, focal_px: float,
                     principal_px: tuple[float, float]) -> PipelineConfig:
    """``config`` with its 3D stage given the sample's camera (focal length and principal
    point, pixels); ``config`` itself when its 3D stage is off."""
    if config.threed is None:
        return config
    return dataclasses.replace(config, threed=dataclasses.replace(
        config.threed, focal_px=focal_px, principal_px=principal_px))


def evaluate_hand(sample: SynthSample, side: Side, result: FrameResult) -> HandRecord:
    """The :class:`HandRecord` of ``side`` in ``sample`` given the pipeline's ``result``."""
    truth, pose = sample.hand(side), result.poses.get(side)
    ests = [None if pose is None else getattr(pose, field) for _, field in ESTIMATES]
    errors = [None if e is None else root_aligned_errors_mm(e, truth.joints_cam_m) for e in ests]
    return HandRecord(sample.index, side, occluded_joints(truth.joints_px, truth.visible),
                      pose is not None, tuple(errors), tuple(ests), truth.joints_cam_m,
                      truth.joints_3d_exact)


def run_heldout(data: Path, count: int, true_focal: bool) -> tuple[list[HandRecord], bool]:
    """Records of both hands of the first ``count`` samples, and whether the true focal reached
    the pipeline (rebuilt whenever the focal changes)."""
    base = default_config(App.BATCH, InputKind.IMAGES)
    dataset = SynthDataset(data, split=None)
    records, pipeline, key, passed = [], None, object(), False
    for i in range(min(count, len(dataset))):
        sample = dataset[i]
        cam = sample.camera
        config = (with_true_camera(base, 0.5 * float(cam.fx + cam.fy),
                                   (float(cam.cx), float(cam.cy))) if true_focal else None)
        passed = config is not None and config.threed is not None
        if pipeline is None or (config or base) != key:
            if pipeline is not None:
                pipeline.close()
            key = config or base
            pipeline = build_pipeline(key)
        pipeline.reset()
        result = pipeline.process(Frame(sample.image, 0, 0.0))
        records += [evaluate_hand(sample, side, result) for side in (Side.RIGHT, Side.LEFT)]
    if pipeline is not None:
        pipeline.close()
    return records, passed


def _fmt(value: float, digits: int = 3) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.{digits}f}"


def _row(*cells: object) -> str:
    """A Markdown table row of the report's 11 columns (missing cells left empty)."""
    cells = [str(c) for c in cells] + [""] * (6 + len(PCK_THRESHOLDS_MM) + 1 - len(cells))
    return "| " + " | ".join(cells) + " |"


def estimate_rows(records: list[HandRecord], k: int) -> tuple[list[str], float]:
    """Markdown rows of estimate ``k`` and its AUC on severe visible joints (NaN when absent)."""
    name = ESTIMATES[k][0]
    occ = np.array([r.occluded.sum() for r in records], dtype=int)
    severe = is_severe(occ)
    missed = [int((~np.array([r.found for r in records]) & (severe == s)).sum())
              for s in (False, True)]
    scored = [r for r in records if r.errors_mm[k] is not None]
    if not scored:
        return [_row(name, "–", "–", "n/a (estimate absent)")], math.nan
    err = np.stack([r.errors_mm[k] for r in scored])
    counts = np.array([r.occluded.sum() for r in scored])
    rows, severe_auc = [], math.nan
    for joints, mask in (("visible", ~np.stack([r.occluded for r in scored])), ("all", None)):
        split = pck_by_occlusion(err, counts, mask)
        for label, curve, miss in (("small", split.small, missed[0]),
                                   ("severe", split.severe, missed[1])):
            rows.append(_row(name, joints, label, curve.hand_count, miss, curve.joint_count,
                             *(_fmt(curve.at(t)) for t in PCK_THRESHOLDS_MM), _fmt(curve.auc)))
        rows.append(_row(name, joints, "severe/small", *[""] * (3 + len(PCK_THRESHOLDS_MM)),
                         _fmt(split.relative_auc)))
        if joints == "visible":
            severe_auc = split.severe.auc
    return rows, severe_auc


def mrrpe_values_mm(records: list[HandRecord]) -> list[float]:
    """MRRPE (mm) of the fitted estimate for each sample with both hands fitted, exact truth."""
    k = [n for n, _ in ESTIMATES].index("fitted")
    by_sample: dict[int, dict[Side, HandRecord]] = {}
    for r in records:
        by_sample.setdefault(r.sample_index, {})[r.side] = r
    out = []
    for hands in by_sample.values():
        rr, ll = hands.get(Side.RIGHT), hands.get(Side.LEFT)
        if rr and ll and rr.cam_m[k] is not None and ll.cam_m[k] is not None \
                and rr.exact_3d and ll.exact_3d:
            out.append(mrrpe_mm(rr.cam_m[k], ll.cam_m[k], rr.gt_cam_m, ll.gt_cam_m))
    return out


def report(records: list[HandRecord], seconds: float, samples: int, focal: str) -> str:
    """The Markdown report and the summary line."""
    found = sum(r.found for r in records)
    severe = is_severe(np.array([r.occluded.sum() for r in records], dtype=int))
    lines = [f"# Synthetic held-out 3D evaluation (seed {HELDOUT_SEED})", "",
             f"samples {samples}, hands found {found}/{len(records)} "
             f"(small occlusion {sum(r.found for r, s in zip(records, severe) if not s)}/"
             f"{int((~severe).sum())}, severe {sum(r.found for r, s in zip(records, severe) if s)}"
             f"/{int(severe.sum())}); true focal passed to the pipeline: {focal}; "
             f"{seconds:.1f} s ({seconds / max(samples, 1):.2f} s/sample)", "",
             "| estimate | joints | split | hands | missed | joints scored | "
             + " | ".join(f"PCK@{t:g}mm" for t in PCK_THRESHOLDS_MM) + " | AUC 20–50 |",
             "|---|---|---|---:|---:|---:|" + "---:|" * (len(PCK_THRESHOLDS_MM) + 1)]
    summary = []
    for k, (name, _) in enumerate(ESTIMATES):
        rows, auc = estimate_rows(records, k)
        lines += rows
        summary.append(f"auc_severe_{name}={'na' if not math.isfinite(auc) else f'{auc:.4f}'}")
    mrrpe = mrrpe_values_mm(records)
    lines += ["", "MRRPE (fitted, both hands found, exact 3D truth): "
              + (f"mean {np.mean(mrrpe):.1f} mm, median {np.median(mrrpe):.1f} mm over "
                 f"{len(mrrpe)} samples" if mrrpe else "n/a"), "",
              "summary " + " ".join(summary)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--true-focal", action="store_true",
                   help="give the pipeline's 3D stage the synthetic camera's focal length")
    p.add_argument("--out-md", type=Path, default=None)
    args = p.parse_args(argv)
    ensure_heldout(args.data, args.count)
    start = time.perf_counter()
    records, passed = run_heldout(args.data, args.count, args.true_focal)
    samples = len({r.sample_index for r in records})
    focal = "yes" if passed else ("no (3D stage off)" if args.true_focal else "no")
    text = report(records, time.perf_counter() - start, samples, focal)
    print(text)
    if args.out_md is not None:
        args.out_md.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
