"""HDRM on real appearance: the AIH_Syn protocol on real footage (:mod:`real_occlusion`).

For each sample (a real hand cut from another frame pasted over or under a real, fully visible
target; overlap 10–60 % of the target's amodal mask) the pipeline's SHPE poses the target:

  clean     the window without the paste, crop from the exact masks (the ceiling)
  off       the occluded crop as it is (no HDRM)
  inpaint   OpenCV inpainting of M_R as eq. (2) gives it (the old default)
  band      the same with the target's skeleton band (from its joint prior) kept out of M_R
  hdrnet    HDRNet (ONNX Runtime)
  gated     the default: the band, and inpainting only where
            :class:`hdr_live.stages.hdrm.gate.GatedRestorer` opens

each with the exact masks (``gt``) and with the learned HASM's masks (``hasm``, from a
tracker-like joint prior: both hands' joints with noise). Prints per depth and overlap bin: HASM
IoU (the target's amodal and visible masks) and the SHPE's 2D EPE in sample pixels (the target's
amodal box is 120 px long) against the joints found on the clean frame, with the hands found
(presence ≥ the pipeline's ``min_pose_score``) per restorer; EPE is averaged over the hands
every restorer found. ``--csv`` writes one row per sample and restorer; ``--sheet`` a contact
sheet of samples, masks and restorations, made apart from the table's samples from the real
clip alone (two of its frames; its licence allows it to be shown).

    python benchmarks/ablation_real.py --real ../shared/real --dev ../shared/dev_real \
        --per-bin 30 --csv /tmp/ablation_real.csv --sheet docs/real_occlusion_sheet.png
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from real_occlusion import (OcclusionSample, evaluation_hands,  # noqa: E402
                            make_samples, prior_of)

from hdr_live.build import build_restorer, build_shpe  # noqa: E402
from hdr_live.config import HdrmKind, PipelineConfig  # noqa: E402
from hdr_live.eval2d import epe_px  # noqa: E402
from hdr_live.geometry import apply_affine, invert_affine  # noqa: E402
from hdr_live.stages.hdrm.gate import GateFeatures, GatedRestorer  # noqa: E402
from hdr_live.stages.hdrm.masks import CropOptions, build_crop_inputs  # noqa: E402
from hdr_live.types import Frame, HandCrop  # noqa: E402

RESTORERS = ("off", "inpaint", "band", "hdrnet", "gated", "gated_hdrnet")
KINDS = {"off": HdrmKind.OFF, "inpaint": HdrmKind.BASELINE, "band": HdrmKind.BASELINE,
         "hdrnet": HdrmKind.LEARNED, "gated": HdrmKind.GATED}
#: the variants that run on the pipeline's own crop inputs (the skeleton band of the prior)
BANDED = ("band", "gated", "gated_hdrnet")
#: the contact sheet shows only samples whose two hands come from this clip (its repository's
#: licence is MIT; the dev_real photos may not be redistributed, not even as thumbnails)
SHEET_SOURCE = "video_dynhamr_demo3"


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else float("nan")


def _pose_epe(shpe, inputs, restorer, joints_px, prior_px, min_score
              ) -> tuple[float, np.ndarray, float]:
    """(2D EPE in sample px or NaN when not found, restored crop, SHPE presence)."""
    rgb = restorer.restore(inputs)
    crop = HandCrop(inputs.side, rgb, inputs.image_rgb, inputs.crop_to_frame, inputs.mirrored,
                    inputs.m_d, inputs.m_r, inputs.target_visible)
    est = shpe.estimate(crop, apply_affine(invert_affine(crop.crop_to_frame), prior_px))
    if est.presence < min_score:
        return float("nan"), rgb, est.presence
    return epe_px(est.to_frame(crop)[0], joints_px), rgb, est.presence


def evaluate(samples: list[OcclusionSample], seed: int = 3, sheet_rows: int = 0,
             hasm_weights: Path | None = None, hdrnet_weights: Path | None = None):
    """Per sample: a dict of its figures (see the module docstring) and, for the first
    ``sheet_rows`` samples, the images of a contact-sheet row; ``hasm_weights`` replaces the
    bundled HASM (a candidate's safetensors, its ``.json`` and ``.onnx`` beside it), and
    ``hdrnet_weights`` the bundled HDRNet; ``gated_hdrnet`` is the default's gate with HDRNet
    where it opens."""
    from hdr_live.stages.hasm.learned import load_mask_net, predict_masks

    config = PipelineConfig()
    if hdrnet_weights is not None:
        config = dataclasses.replace(config, hdrm=dataclasses.replace(config.hdrm,
                                                                     weights=hdrnet_weights))
    shpe = build_shpe(config)
    restorers = {name: build_restorer(config.with_backends(None, kind))
                 for name, kind in KINDS.items()}
    restorers["gated_hdrnet"] = GatedRestorer(restorers["hdrnet"], config.hdrm.gate)
    net, spec = load_mask_net(hasm_weights or config.hasm.weights)
    min_score = config.shpe.min_pose_score
    banded_options = CropOptions(prior_band=config.hdrm.prior_band)
    rng = np.random.default_rng(seed)
    rows, sheet = [], []
    for k, s in enumerate(samples):
        frame = Frame(s.image, k, 0.0)
        prior = prior_of(s, rng)
        hasm = predict_masks(net, spec, frame, prior)
        row = {"name": s.name, "depth": s.depth, "bin": s.overlap_bin, "overlap": s.overlap,
               "hidden": s.occluded_frac,
               "iou_amodal": _iou(hasm.amodal(s.side), s.masks.amodal(s.side)),
               "iou_visible": _iou(hasm.visible(s.side), s.masks.visible(s.side))}
        clean = build_crop_inputs(Frame(s.clean, k, 0.0), s.masks, s.side, False, CropOptions())
        row["clean"], _, _ = _pose_epe(shpe, clean, restorers["off"], s.joints_px,
                                    prior.get(s.side), min_score)
        images = [s.image]
        for masks_name, masks in (("gt", s.masks), ("hasm", hasm)):
            plain = build_crop_inputs(frame, masks, s.side, False, CropOptions())
            if masks_name == "gt":
                images.append(plain.image_rgb)  # the crop the exact masks give
            banded = build_crop_inputs(frame, masks, s.side, False, banded_options,
                                       prior.get(s.side))
            for name, restorer in restorers.items():
                inputs = banded if name in BANDED else plain
                if inputs is None:
                    row[f"{masks_name}_{name}"] = float("nan")
                    continue
                epe, rgb, presence = _pose_epe(shpe, inputs, restorer, s.joints_px,
                                               prior.get(s.side), min_score)
                row[f"{masks_name}_{name}"] = epe
                row[f"{masks_name}_{name}_presence"] = presence
                if masks_name == "hasm" and name in ("inpaint", "hdrnet", "gated"):
                    images.append(rgb)
            if masks_name == "hasm" and banded is not None:
                row.update(dataclasses.asdict(GateFeatures.of(banded)))
                images.insert(2, _mask_overlay(banded))
        rows.append(row)
        if sheet_rows and hasm.has(s.side) and s.name.count(SHEET_SOURCE) == 2:
            sheet.append((row, images))
    return rows, _sheet_rows(sheet, sheet_rows)


def _sheet_rows(sheet: list, count: int) -> list:
    """The first ``count`` - 6 samples of each depth, then the 6 where the default
    (gated) pose is worst against no HDRM (the failures)."""
    if not count:
        return []
    first = [r for depth in ("front", "behind")
             for r in [x for x in sheet if x[0]["depth"] == depth][:(count - 6) // 2]]

    def loss(item) -> float:
        row = item[0]
        gated = row["hasm_gated"] if np.isfinite(row["hasm_gated"]) else 1e3
        off = row["hasm_off"] if np.isfinite(row["hasm_off"]) else 1e3
        return gated - off
    worst = sorted((x for x in sheet if x not in first), key=loss, reverse=True)[:6]
    return first + worst


def _mask_overlay(inputs) -> np.ndarray:
    """The crop with M_D (red) and M_R (blue) and the target's visible mask (green) tinted."""
    out = inputs.image_rgb.astype(np.float32)
    for mask, colour in ((inputs.target_visible, (0, 200, 0)), (inputs.m_d, (230, 0, 0)),
                         (inputs.m_r, (0, 60, 255))):
        out[mask] = 0.5 * out[mask] + 0.5 * np.array(colour, np.float32)
    return out.astype(np.uint8)


def report(rows: list[dict]) -> None:
    """Print the per depth and overlap bin table (see the module docstring)."""
    cols = ["clean"] + [f"{m}_{r}" for m in ("gt", "hasm") for r in RESTORERS]
    cols = [c for c in cols if c in rows[0]]
    print(f"{'depth':7s}{'overlap':9s}{'n':>4s}{'IoU a':>7s}{'IoU v':>7s}  " +
          "".join(f"{c:>13s}" for c in cols))
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["depth"], r["bin"]), []).append(r)
    for depth in ("front", "behind"):
        keys = sorted(k for k in groups if k[0] == depth)
        for key in keys + [(depth, "all")]:
            g = groups[key] if key[1] != "all" else [r for r in rows if r["depth"] == depth]
            m = np.array([[r.get(c, np.nan) for c in cols] for r in g], dtype=np.float64)
            common = np.isfinite(m).all(1)
            found = np.isfinite(m).sum(0)
            means = np.nanmean(np.where(common[:, None], m, np.nan), 0) if common.any() \
                else np.full(len(cols), np.nan)
            iou_a = np.nanmean([r["iou_amodal"] for r in g])
            iou_v = np.nanmean([r["iou_visible"] for r in g])
            cells = "".join(f"{v:7.2f} ({f:3d})" for v, f in zip(means, found))
            print(f"{key[0]:7s}{key[1]:9s}{len(g):4d}{iou_a:7.3f}{iou_v:7.3f}  {cells}"
                  f"   [EPE px over {common.sum()} found by all; (found)]")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--real", type=Path, default=Path("../shared/real"))
    p.add_argument("--dev", type=Path, default=Path("../shared/dev_real"))
    p.add_argument("--per-bin", type=int, default=30, help="samples per depth and overlap bin")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--csv", type=Path, help="one row per sample")
    p.add_argument("--sheet", type=Path, help="contact sheet PNG of the first samples")
    p.add_argument("--hasm-weights", type=Path, help="a candidate HASM instead of the bundled one")
    p.add_argument("--hdrnet-weights", type=Path,
                   help="a candidate HDRNet instead of the bundled one")
    args = p.parse_args()
    for folder in (args.real, args.dev):
        if not folder.is_dir():
            p.error(f"evaluation folder not found: {folder}")
    hands = evaluation_hands(args.real, args.dev)
    samples = list(make_samples(hands, args.per_bin, args.seed))
    print(f"{len(hands)} confident, fully visible evaluation hands "
          f"({len({h.source.split('#')[0] for h in hands})} files); {len(samples)} samples")
    rows, _ = evaluate(samples, hasm_weights=args.hasm_weights,
                       hdrnet_weights=args.hdrnet_weights)
    report(rows)
    if args.csv:
        with args.csv.open("w", newline="") as f:
            names = list(dict.fromkeys(k for r in rows for k in r))
            w = csv.DictWriter(f, fieldnames=names, restval="nan")
            w.writeheader()
            w.writerows(rows)
    if args.sheet:
        from contact_sheet import write_sheet

        # its own samples, two hands of the clip from different frames (see SHEET_SOURCE)
        clip = [h for h in hands if h.source.startswith(SHEET_SOURCE)]
        shown = list(make_samples(clip, 4, args.seed, same_file=True))
        write_sheet(args.sheet, evaluate(shown, sheet_rows=16, hasm_weights=args.hasm_weights)[1])


if __name__ == "__main__":
    main()
