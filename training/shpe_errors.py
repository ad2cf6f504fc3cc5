"""Measure the real SHPE's errors on synthetic HDRM crops and fit the lifter's error model.

For every hand of every sample of a generated data-engine folder (``training.synth.generate``)
a 256×256 crop is cut around the hand's GT amodal mask exactly as HDRM frames it
(:mod:`hdr_live.stages.hdrm.masks`: square box × ``CropOptions.context``, a left hand mirrored),
from two images: the HDRM *target* I_o* (the ideal restoration) and the unrestored *input*
image (no restoration at all). A real HDRM output lies between the two. The MediaPipe-landmark
SHPE (:class:`hdr_live.stages.shpe.mediapipe_landmark.MediaPipeLandmarkShpe`, no prior: the
whole crop, then refined) runs on each crop.

Per joint it records the 2D error (crop px, and in units of the hand's 2D RMS spread, see
:func:`hdr_live.lift.features.spread`) and the world-landmark error (mm, wrist-relative, and
scale-normalised), split by GT visibility (the joint's rounded pixel on its own hand's GT
visible mask) and by whether the SHPE found the hand (presence ≥ 0.5). The fitted
:class:`training.lift_degrade.ErrorModel` (per-joint robust Gaussian σ for visible and occluded
joints plus an outlier rate and outlier σ) is what :mod:`training.lift_data` degrades the
synthetic inputs with.

Usage::

    nice .venv/bin/python -m training.shpe_errors --data /tmp/lift_synth --out /tmp/lift_shpe
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import pathlib

import numpy as np
from tqdm import tqdm

from hdr_live.geometry import (
    Roi,
    apply_affine,
    box_from_mask,
    crop_affine,
    invert_affine,
    warp_crop,
)
from hdr_live.joints import NUM_JOINTS, Side
from hdr_live.lift.features import spread
from hdr_live.stages.hdrm.masks import CropOptions
from hdr_live.types import HandCrop
from training.lift_degrade import ErrorModel, fit_error_model

CROP_KINDS = ("target", "input")


@dataclasses.dataclass(frozen=True)
class ShpeRecords:
    """SHPE outputs beside the truth, one row per (sample, hand, crop kind), crop frame.

    Attributes:
        gt_px, shpe_px: (R, 21, 2) float64 crop pixels.
        gt_rel_m, shpe_rel_m: (R, 21, 3) float64 wrist-relative metres, crop axes (x right,
            y down, z away from the camera; a mirrored crop has x flipped).
        visible: (R, 21) bool GT visibility. found: (R,) bool presence ≥ 0.5.
        kind: (R,) int index into :data:`CROP_KINDS`. val: (R,) bool sample in the val split.
        crop_focal_px, crop_cx_px, crop_cy_px: (R,) float64 intrinsics of the crop as a camera.
        root_z_m: (R,) float64 GT wrist depth, metres.
    """

    gt_px: np.ndarray
    shpe_px: np.ndarray
    gt_rel_m: np.ndarray
    shpe_rel_m: np.ndarray
    visible: np.ndarray
    found: np.ndarray
    kind: np.ndarray
    val: np.ndarray
    crop_focal_px: np.ndarray
    crop_cx_px: np.ndarray
    crop_cy_px: np.ndarray
    root_z_m: np.ndarray

    def save(self, path: pathlib.Path) -> None:
        """Write an .npz with one array per field."""
        np.savez_compressed(path, **dataclasses.asdict(self))

    @staticmethod
    def load(path: pathlib.Path) -> ShpeRecords:
        """Read :meth:`save`'s file. Raises FileNotFoundError / KeyError on a bad file."""
        with np.load(path) as z:
            return ShpeRecords(**{f.name: z[f.name] for f in dataclasses.fields(ShpeRecords)})


def hand_crop_affine(amodal: np.ndarray, side: Side, options: CropOptions | None = None):
    """HDRM's crop→frame affine around ``amodal`` (None for an empty mask), see
    :func:`hdr_live.stages.hdrm.masks.build_crop_inputs` (un-mirrored input frame)."""
    options = options or CropOptions()
    box = box_from_mask(amodal)
    if box is None:
        return None
    side_px = max(max(box.width, box.height) * options.context, options.min_side_px)
    return crop_affine(Roi(box.center, side_px), options.size_px, mirror=side is Side.LEFT)


def joint_visibility(visible_mask: np.ndarray, joints_px: np.ndarray) -> np.ndarray:
    """(21,) bool: the joint's rounded pixel lies inside the image and on ``visible_mask``."""
    h, w = visible_mask.shape
    ij = np.rint(joints_px).astype(int)
    inside = (ij[:, 0] >= 0) & (ij[:, 0] < w) & (ij[:, 1] >= 0) & (ij[:, 1] < h)
    out = np.zeros(NUM_JOINTS, bool)
    out[inside] = visible_mask[ij[inside, 1], ij[inside, 0]]
    return out


def measure(data: pathlib.Path, limit: int | None = None, prior_jitter: float = 0.15) -> ShpeRecords:
    """Run the SHPE on both crop kinds of every hand under ``data`` (see the module docstring)."""
    from hdr_live.stages.shpe.mediapipe_landmark import MediaPipeLandmarkShpe
    from training.synth.dataset import SynthDataset

    ds = SynthDataset(data, split=None)
    shpe = MediaPipeLandmarkShpe()
    rows: dict[str, list] = {f.name: [] for f in dataclasses.fields(ShpeRecords)}
    s = CropOptions().size_px
    for i in tqdm(range(len(ds) if limit is None else min(limit, len(ds))), desc="shpe"):
        sample = ds[i]
        for side in (Side.RIGHT, Side.LEFT):
            truth = sample.hand(side)
            affine = hand_crop_affine(truth.amodal, side)
            if affine is None:
                continue
            to_crop = invert_affine(affine)
            gt_px = apply_affine(to_crop, truth.joints_px)
            rel = truth.joints_cam_m - truth.joints_cam_m[0]
            rel[:, 0] *= -1.0 if side is Side.LEFT else 1.0
            vis = joint_visibility(truth.visible, truth.joints_px)
            k = abs(to_crop[0, 0])  # crop px per frame px (axis-aligned, square)
            cx = to_crop[0, 0] * sample.camera.cx + to_crop[0, 2]
            cy = to_crop[1, 1] * sample.camera.cy + to_crop[1, 2]
            empty = np.zeros((s, s), bool)
            rng = np.random.default_rng([4242, i, int(side is Side.LEFT)])
            prior = None if prior_jitter < 0 else \
                gt_px + rng.normal(0.0, prior_jitter * float(spread(gt_px)), gt_px.shape)
            for kind, image in enumerate((truth.target, sample.image)):
                crop = warp_crop(image, affine, s)
                pose = shpe.estimate(HandCrop(side, crop, crop, affine, side is Side.LEFT,
                                              empty, empty, empty), prior)
                for name, value in (("gt_px", gt_px), ("shpe_px", pose.joints_crop_px),
                                    ("gt_rel_m", rel), ("shpe_rel_m", pose.joints_world_m),
                                    ("visible", vis), ("found", pose.presence >= 0.5),
                                    ("kind", kind), ("val", ds.entries[i].split == "val"),
                                    ("crop_focal_px", k * sample.camera.fx),
                                    ("crop_cx_px", cx), ("crop_cy_px", cy),
                                    ("root_z_m", truth.joints_cam_m[0, 2])):
                    rows[name].append(value)
    return ShpeRecords(**{k: np.asarray(v) for k, v in rows.items()})


def summary(rec: ShpeRecords) -> dict:
    """Median / 90th-percentile errors per crop kind and visibility class (found hands only):
    2D in crop px and in hand spreads, world in mm; also the found rate and the hand's 2D
    spread in crop px."""
    out: dict = {}
    for kind, name in enumerate(CROP_KINDS):
        sel = rec.kind == kind
        f = sel & rec.found
        e2 = np.linalg.norm(rec.shpe_px - rec.gt_px, axis=-1)
        e2n = e2 / spread(rec.gt_px)[:, None]
        e3 = 1e3 * np.linalg.norm(rec.shpe_rel_m - rec.gt_rel_m, axis=-1)
        part = {"hands": int(sel.sum()), "found_rate": float(rec.found[sel].mean()),
                "spread_px_median": float(np.median(spread(rec.gt_px[f])))}
        for cls, mask in (("visible", rec.visible), ("occluded", ~rec.visible)):
            m = mask & f[:, None]
            part[cls] = {"joints": int(m.sum()),
                         "err2d_px_median": float(np.median(e2[m])),
                         "err2d_px_p90": float(np.percentile(e2[m], 90)),
                         "err2d_spread_median": float(np.median(e2n[m])),
                         "world_err_mm_median": float(np.median(e3[m])),
                         "world_err_mm_p90": float(np.percentile(e3[m], 90))}
        part["occluded_share"] = float((~rec.visible[f]).mean())
        out[name] = part
    return out


def fit(rec: ShpeRecords) -> ErrorModel:
    """The :class:`ErrorModel` of found hands of both crop kinds pooled (the training data is
    degraded between the ideal and the absent restoration)."""
    f = rec.found & ~rec.val
    return fit_error_model(rec.gt_px[f], rec.shpe_px[f], rec.gt_rel_m[f], rec.shpe_rel_m[f],
                           rec.visible[f])


def main(argv: list[str] | None = None) -> None:
    """CLI: measure, print the summary, write records.npz, errors.json (summary + model)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=pathlib.Path, required=True)
    p.add_argument("--out", type=pathlib.Path, required=True)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--prior-jitter", type=float, default=0.15,
                   help="prior noise in hand spreads; negative = no prior")
    a = p.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    rec = measure(a.data, a.limit, a.prior_jitter)
    rec.save(a.out / "records.npz")
    stats = {"data": str(a.data), "prior_jitter_spreads": a.prior_jitter, "summary": summary(rec), "error_model": fit(rec).to_json()}
    (a.out / "errors.json").write_text(json.dumps(stats, indent=2) + "\n")
    print(json.dumps(stats["summary"], indent=2))


if __name__ == "__main__":
    main()
