"""A copy-paste training set from a folder of real hand footage (AIH_Syn of the HDR paper §4,
Meng et al., "3D Interacting Hand Pose Estimation by Hand De-occlusion and Removal", on real
camera frames instead of InterHand2.6M).

The folder holds media files each with a ``<stem>.json`` beside it (the ``../shared/train_real``
layout: ``source``, ``licence``, ``ship_ok``, ``sha256``). Frames where MediaPipe Hands finds
exactly one confident hand are cut out (GrabCut seeded by the landmarks,
:func:`training.synth.real_cutout.grabcut_hand_mask`); a hand of another file is pasted over each
(:func:`training.synth.paste.paste_hand`): the base hand's masks and clean target are exact, the
pasted hand's target is inpainted and flagged. Validation samples take both hands from files held
out of training (file-level split), so the held-out IoU is on unseen people and scenes.

``--ship-only`` keeps the files whose licence allows shipping weights trained on them; the folder
gets ``provenance.json`` listing every file used (source, licence, sha256), which the trainers copy
into the weights' metadata (:func:`training.synth_dataset.open_split`).

    python -m training.real_paste_set --root ../shared/train_real --out data/real_ship --ship-only \
        --count 3000 --seed 7
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from training.synth.paste import HandCutout, paste_hand, unknown_joints
from training.synth.real_cutout import grabcut_hand_mask, label_frames, read_video
from training.synth.sample import SampleSource, SynthSample
from training.synth.storage import IndexEntry, make_folders, write_index, write_sample

MEDIA_SUFFIXES = (".mp4", ".png", ".jpg", ".jpeg")


@dataclasses.dataclass(frozen=True)
class MediaFile:
    """A media file of the footage folder and its record (the ``<stem>.json`` beside it)."""

    path: Path
    record: dict

    @property
    def ship_ok(self) -> bool:
        """True when the record says weights trained on the file may be shipped."""
        return bool(self.record.get("ship_ok"))


def media_files(root: Path, ship_only: bool) -> list[MediaFile]:
    """The media files under ``root`` (recursively) that have a JSON record, sorted by path.

    Raises:
        ValueError: no media file with a record (with ``ship_only``: none marked ``ship_ok``).
    """
    out = []
    for path in sorted(root.rglob("*")):
        record_path = path.with_suffix(".json")
        if path.suffix.lower() in MEDIA_SUFFIXES and record_path.is_file():
            f = MediaFile(path, json.loads(record_path.read_text()))
            if f.ship_ok or not ship_only:
                out.append(f)
    if not out:
        raise ValueError(f"{root}: no media files with a record{' marked ship_ok' if ship_only else ''}")
    return out


def frames_of(f: MediaFile, per_clip: int) -> list[np.ndarray]:
    """Up to ``per_clip`` evenly spaced (H, W, 3) uint8 RGB frames of a clip, or the image."""
    if f.path.suffix.lower() != ".mp4":
        bgr = cv2.imread(str(f.path), cv2.IMREAD_COLOR)
        return [] if bgr is None else [cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)]
    count = int(f.record.get("frames") or 0)
    step = max(1, count // per_clip) if count else 10
    return read_video(f.path, step)[:per_clip]


def single_hand_cutouts(frames: list[np.ndarray], min_score: float = 0.8) -> list[HandCutout]:
    """A cut-out of the hand of every frame where MediaPipe Hands finds exactly one confident
    hand (frames with two hands are skipped: the second would be unlabelled background)."""
    labelled = label_frames(frames, mirrored_input=False, min_score=min_score)
    per_frame: dict[int, list] = {}
    for hand in labelled:
        per_frame.setdefault(hand.frame_index, []).append(hand)
    out = []
    for i, hands in sorted(per_frame.items()):
        if len(hands) != 1:
            continue
        mask = grabcut_hand_mask(frames[i], hands[0].joints_px)
        if mask.sum() > 200:
            out.append(HandCutout(frames[i], mask, hands[0].side, hands[0].joints_px, unknown_joints()[1]))
    return out


def paste_pairs(cuts: dict[str, list[HandCutout]], files: list[str], count: int, size: int,
                seed: int, first_index: int) -> Iterator[SynthSample]:
    """Yield ``count`` samples, each a hand of one file pasted over a hand of another of ``files``.

    Raises:
        ValueError: fewer than two of ``files`` have a cut-out.
    """
    usable = [name for name in files if cuts.get(name)]
    if len(usable) < 2:
        raise ValueError(f"need hands in at least two files, got {len(usable)}")
    for k in range(count):
        index = first_index + k
        rng = np.random.default_rng([seed, index, 0x5EA1])
        a, b = rng.choice(len(usable), size=2, replace=False)
        base = cuts[usable[int(a)]][int(rng.integers(len(cuts[usable[int(a)]])))]
        donor = cuts[usable[int(b)]][int(rng.integers(len(cuts[usable[int(b)]])))]
        yield paste_hand(base, donor, size, rng, SampleSource.REAL_PASTE, seed, index)


def provenance(files: list[MediaFile], used: dict[str, int], val_files: list[str]) -> dict:
    """The ``provenance.json`` record: every file with hands used, its source, licence, sha256,
    the hands cut from it and whether it was held out for validation."""
    return {"files": [{"file": f.path.name, "source": f.record.get("source"),
                       "licence": f.record.get("licence"), "ship_ok": f.ship_ok,
                       "sha256": f.record.get("sha256"), "hands": used[f.path.name],
                       "split": "val" if f.path.name in val_files else "train"}
                      for f in files if used.get(f.path.name)]}


def main(argv: list[str] | None = None) -> None:
    """Command line: footage folder -> dataset folder (docs/synth_format.md) + provenance."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, required=True, help="footage folder (media + <stem>.json)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--ship-only", action="store_true", help="only files marked ship_ok")
    p.add_argument("--count", type=int, default=3000, help="training samples")
    p.add_argument("--val-count", type=int, default=150)
    p.add_argument("--per-clip", type=int, default=40, help="frames taken from each clip")
    p.add_argument("--val-every", type=int, default=8, help="every Nth file is held out")
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        raise SystemExit(f"real_paste_set: error: {args.out} is not empty")
    files = media_files(args.root, args.ship_only)
    cuts = {f.path.name: single_hand_cutouts(frames_of(f, args.per_clip))
            for f in tqdm(files, unit="file", desc="cut-outs")}
    names = [name for name in cuts if cuts[name]]
    val_files = names[::args.val_every]
    train_files = [n for n in names if n not in val_files]
    make_folders(args.out)
    entries = []
    for split, chosen, count, first in (("train", train_files, args.count, 0),
                                        ("val", val_files, args.val_count, args.count)):
        for sample in tqdm(paste_pairs(cuts, chosen, count, args.size, args.seed, first),
                           total=count, unit="sample", desc=split):
            entries.append(dataclasses.replace(write_sample(args.out, sample), split=split))
    write_index(args.out, entries, args.seed, args.size)
    used = {name: len(c) for name, c in cuts.items()}
    (args.out / "provenance.json").write_text(
        json.dumps(provenance(files, used, val_files), indent=2) + "\n")
    print(f"{sum(used.values())} hands from {len(names)} of {len(files)} files; "
          f"{args.count} train + {args.val_count} val samples in {args.out}")


if __name__ == "__main__":
    main()
