"""Write and read :class:`~training.synth.sample.SynthSample` in the on-disk format of
``docs/synth_format.md`` (format ``hdr-live-synth``, version 1).

Per sample ``ID`` (7 digits): ``images/ID.png`` (input), ``masks/ID.png`` (4 bit planes),
``targets/ID_right.png`` / ``targets/ID_left.png`` (I_o*, zero outside M_D ∪ M_R),
``annotations/ID.json`` (camera, joints, flags). ``index.json`` lists the samples and splits.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib

import cv2
import numpy as np

from hdr_live.joints import Side
from training.synth.camera import Camera
from training.synth.sample import HandTruth, SampleSource, SynthSample

FORMAT_NAME = "hdr-live-synth"
FORMAT_VERSION = 1
#: Bit of each mask in masks/ID.png.
MASK_BITS = {("right", "amodal"): 0, ("right", "visible"): 1, ("left", "amodal"): 2, ("left", "visible"): 3}
_SIDES = (Side.RIGHT, Side.LEFT)


@dataclasses.dataclass(frozen=True)
class IndexEntry:
    """One row of index.json: sample id, split ("train"/"val") and source."""

    id: str
    split: str
    source: SampleSource


def sample_id(index: int) -> str:
    """The file stem of sample ``index`` (7 digits, zero-padded)."""
    return f"{index:07d}"


def _write_png(path: pathlib.Path, rgb: np.ndarray) -> None:
    img = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR) if rgb.ndim == 3 else rgb
    if not cv2.imwrite(str(path), img, [cv2.IMWRITE_PNG_COMPRESSION, 1]):
        raise OSError(f"cannot write {path}")


def _read_png(path: pathlib.Path, colour: bool) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR if colour else cv2.IMREAD_UNCHANGED)
    if img is None:
        raise FileNotFoundError(f"cannot read {path}")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB) if colour else img


def write_sample(root: pathlib.Path, sample: SynthSample) -> IndexEntry:
    """Write one sample's files under ``root`` (folders must exist, see :func:`make_folders`).

    Returns:
        Its :class:`IndexEntry` (split decided by :func:`split_of`).
    """
    sid = sample_id(sample.index)
    _write_png(root / "images" / f"{sid}.png", sample.image)
    bits = np.zeros(sample.image.shape[:2], np.uint8)
    for side in _SIDES:
        truth = sample.hand(side)
        bits |= truth.amodal.astype(np.uint8) << MASK_BITS[(side.value, "amodal")]
        bits |= truth.visible.astype(np.uint8) << MASK_BITS[(side.value, "visible")]
        change = sample.m_d(side) | sample.m_r(side)
        _write_png(
            root / "targets" / f"{sid}_{side.value}.png",
            np.where(change[..., None], truth.target, 0).astype(np.uint8),
        )
    _write_png(root / "masks" / f"{sid}.png", bits)
    ann = {
        "camera": dataclasses.asdict(sample.camera),
        "source": sample.source.value,
        "seed": sample.seed,
        "index": sample.index,
    }
    for side in _SIDES:
        t = sample.hand(side)
        ann[side.value] = {
            "joints_px": t.joints_px.tolist(),
            "joints_cam_m": t.joints_cam_m.tolist(),
            "target_exact": t.target_exact,
            "joints_3d_exact": t.joints_3d_exact,
        }
    (root / "annotations" / f"{sid}.json").write_text(json.dumps(ann))
    return IndexEntry(sid, split_of(sample.seed, sample.index), sample.source)


def read_sample(root: pathlib.Path, sid: str) -> SynthSample:
    """Read sample ``sid`` back (targets are completed from the input outside M_D ∪ M_R).

    Raises:
        FileNotFoundError: a file of the sample is missing.
    """
    image = _read_png(root / "images" / f"{sid}.png", True)
    bits = _read_png(root / "masks" / f"{sid}.png", False)
    ann = json.loads((root / "annotations" / f"{sid}.json").read_text())
    masks = {k: ((bits >> b) & 1).astype(bool) for k, b in MASK_BITS.items()}
    truths = {}
    for side in _SIDES:
        other = side.other.value
        change = (masks[(side.value, "amodal")] & ~masks[(side.value, "visible")]) | (
            ~masks[(side.value, "amodal")] & masks[(other, "visible")]
        )
        stored = _read_png(root / "targets" / f"{sid}_{side.value}.png", True)
        a = ann[side.value]
        truths[side] = HandTruth(
            amodal=masks[(side.value, "amodal")],
            visible=masks[(side.value, "visible")],
            target=np.where(change[..., None], stored, image).astype(np.uint8),
            joints_px=np.asarray(a["joints_px"], dtype=np.float64),
            joints_cam_m=np.asarray(a["joints_cam_m"], dtype=np.float64),
            target_exact=bool(a["target_exact"]),
            joints_3d_exact=bool(a["joints_3d_exact"]),
        )
    return SynthSample(
        image,
        Camera(**ann["camera"]),
        truths[Side.RIGHT],
        truths[Side.LEFT],
        SampleSource(ann["source"]),
        int(ann["seed"]),
        int(ann["index"]),
    )


def split_of(seed: int, index: int, val_fraction: float = 0.05) -> str:
    """Deterministic split of sample ``index``: "val" with probability ``val_fraction``."""
    return "val" if np.random.default_rng([seed, index, 0x5911]).random() < val_fraction else "train"


def make_folders(root: pathlib.Path) -> None:
    """Create ``root`` and its sub-folders."""
    for sub in ("images", "masks", "targets", "annotations"):
        (root / sub).mkdir(parents=True, exist_ok=True)


def write_index(root: pathlib.Path, entries: list[IndexEntry], seed: int, size: int) -> None:
    """Write index.json for ``entries`` (sorted by id)."""
    rows = [
        {"id": e.id, "split": e.split, "source": e.source.value} for e in sorted(entries, key=lambda e: e.id)
    ]
    doc = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "seed": seed,
        "size": size,
        "count": len(rows),
        "samples": rows,
    }
    (root / "index.json").write_text(json.dumps(doc, indent=1))


def read_index(root: pathlib.Path) -> list[IndexEntry]:
    """Read index.json.

    Raises:
        ValueError: not an ``hdr-live-synth`` index of a supported version.
    """
    doc = json.loads((root / "index.json").read_text())
    if doc.get("format") != FORMAT_NAME or doc.get("version") != FORMAT_VERSION:
        raise ValueError(f"{root}/index.json is not {FORMAT_NAME} v{FORMAT_VERSION}")
    return [IndexEntry(r["id"], r["split"], SampleSource(r["source"])) for r in doc["samples"]]
