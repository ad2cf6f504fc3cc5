"""Train/validation views of a generated synthetic dataset (format: docs/synth_format.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from training.synth.sample import SynthSample
from training.synth.storage import read_index, read_sample


class SplitSamples(Sequence[SynthSample]):
    """The samples of one split, read from disk on access; with ``cache`` kept in memory after
    the first read (decoded, so memory grows with the split; without, every access reads and
    decodes the sample again)."""

    def __init__(self, root: Path, ids: list[str], cache: bool = True) -> None:
        self.root, self.ids, self.cache = Path(root), ids, cache
        self._cache: dict[int, SynthSample] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if not self.cache:
            return read_sample(self.root, self.ids[i])
        if i not in self._cache:
            self._cache[i] = read_sample(self.root, self.ids[i])
        return self._cache[i]


def open_split(root: Path, cache: bool = True) -> tuple[SplitSamples, SplitSamples, dict]:
    """(train, val, info) of the dataset in ``root``; info records seed, size and counts, and
    the files, sources and licences of real footage when ``provenance.json`` is there;
    ``cache`` keeps read samples in memory (see :class:`SplitSamples`).

    Raises:
        ValueError: no samples in a split, or not a dataset folder.
    """
    entries = read_index(Path(root))
    train = [e.id for e in entries if e.split == "train"]
    val = [e.id for e in entries if e.split == "val"]
    if not train or not val:
        raise ValueError(f"{root}: need samples in both splits (train {len(train)}, val {len(val)})")
    doc = json.loads((Path(root) / "index.json").read_text())
    sources: dict[str, int] = {}
    for e in entries:
        sources[e.source.value] = sources.get(e.source.value, 0) + 1
    info = {"folder": str(root), "seed": doc.get("seed"), "size_px": doc.get("size"),
            "train": len(train), "val": len(val), "sources": sources}
    provenance = Path(root) / "provenance.json"
    if provenance.is_file():  # real footage: the files, sources and licences (real_paste_set)
        info["provenance"] = json.loads(provenance.read_text())
    return SplitSamples(root, train, cache), SplitSamples(root, val, cache), info


class Concat(Sequence[SynthSample]):
    """Several splits read as one sequence (in the given order)."""

    def __init__(self, parts: Sequence[Sequence[SynthSample]]) -> None:
        self.parts = list(parts)
        self._ends = np.cumsum([len(p) for p in self.parts])

    def __len__(self) -> int:
        return int(self._ends[-1]) if len(self._ends) else 0

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        part = int(np.searchsorted(self._ends, i, side="right"))
        start = int(self._ends[part - 1]) if part else 0
        return self.parts[part][i - start]


def open_splits(roots: Sequence[Path], cache: bool = True
                ) -> tuple[Sequence[SynthSample], Sequence[SynthSample], dict]:
    """(train, val, info) over several dataset folders (see :func:`open_split`); with one folder
    the info is that folder's, with several it is ``{"datasets": [info, ...]}``.

    Raises:
        ValueError: no folder given, or one of them fails :func:`open_split`.
    """
    if not roots:
        raise ValueError("open_splits needs at least one dataset folder")
    opened = [open_split(r, cache) for r in roots]
    if len(opened) == 1:
        return opened[0]
    return (Concat([o[0] for o in opened]), Concat([o[1] for o in opened]),
            {"datasets": [o[2] for o in opened]})
