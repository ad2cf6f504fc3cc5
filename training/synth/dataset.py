"""Dataset-style reader of a folder written by :mod:`training.synth.generate`.

Example::

    ds = SynthDataset(pathlib.Path("data/synth"), split="train")
    sample = ds[0]                     # a SynthSample
    crop_input = sample.image          # (S, S, 3) uint8
"""

from __future__ import annotations

import pathlib

from training.synth.sample import SampleSource, SynthSample
from training.synth.storage import IndexEntry, read_index, read_sample


class SynthDataset:
    """Random access to the samples of one split (``len`` and ``[i]``, like a torch Dataset)."""

    def __init__(
        self, root: pathlib.Path, split: str | None = "train", sources: tuple[SampleSource, ...] | None = None
    ) -> None:
        """Open a dataset folder.

        Args:
            root: folder with index.json.
            split: "train", "val", or None for all samples.
            sources: keep only these sources (None = all).

        Raises:
            FileNotFoundError: no index.json. ValueError: unknown split or format.
        """
        if split not in ("train", "val", None):
            raise ValueError(f"split must be 'train', 'val' or None, got {split!r}")
        self.root = pathlib.Path(root)
        entries = read_index(self.root)
        self.entries: list[IndexEntry] = [
            e
            for e in entries
            if (split is None or e.split == split) and (sources is None or e.source in sources)
        ]

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, i: int) -> SynthSample:
        """Sample ``i`` of this split (reads its files).

        Raises:
            IndexError: ``i`` out of range.
        """
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} samples")
        return read_sample(self.root, self.entries[i].id)
