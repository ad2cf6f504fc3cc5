"""Train/validation views of a generated synthetic dataset (format: docs/synth_format.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from training.synth.sample import SynthSample
from training.synth.storage import read_index, read_sample


class CachedSplit(Sequence[SynthSample]):
    """The samples of one split, read on first access and kept in memory."""

    def __init__(self, root: Path, ids: list[str]) -> None:
        self.root, self.ids = Path(root), ids
        self._cache: dict[int, SynthSample] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i not in self._cache:
            self._cache[i] = read_sample(self.root, self.ids[i])
        return self._cache[i]


def open_split(root: Path) -> tuple[CachedSplit, CachedSplit, dict]:
    """(train, val, info) of the dataset in ``root``; info records seed, size and counts.

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
    return CachedSplit(root, train), CachedSplit(root, val), info
