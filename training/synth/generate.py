"""Generate a synthetic AIH-like dataset on disk (format: docs/synth_format.md).

Usage::

    python -m training.synth.generate --out DIR --count N --size 256 --workers 2 --seed S \\
        [--syn-fraction 0.3] [--supersample 1]

Sample ``i`` depends only on ``(seed, i)`` and the options, so any worker count gives the same
files. A progress bar (tqdm) counts finished samples.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing as mp
import pathlib
import time

import numpy as np
from tqdm import tqdm

from training.synth.mesh_bank import preload
from training.synth.render_mode import RenderOptions, render_sample
from training.synth.sample import SynthSample
from training.synth.storage import IndexEntry, make_folders, write_index, write_sample
from training.synth.syn_mode import syn_sample


@dataclasses.dataclass(frozen=True)
class GenerateOptions:
    """Options of a generation run.

    Attributes:
        seed: dataset seed. size: image side in pixels. syn_fraction: share of AIH_Syn-like
            (copy-paste) samples, the rest are AIH_Render-like. supersample: rays per pixel side.
        bank_size: number of hand shapes (each is meshed once per worker).
    """

    seed: int = 0
    size: int = 256
    syn_fraction: float = 0.3
    supersample: int = 1
    bank_size: int = 8

    @property
    def render(self) -> RenderOptions:
        """The :class:`RenderOptions` these options imply."""
        return RenderOptions(size=self.size, supersample=self.supersample, bank_size=self.bank_size)


def make_sample(index: int, opts: GenerateOptions) -> SynthSample:
    """Sample ``index``: AIH_Syn-like with probability ``syn_fraction``, else AIH_Render-like."""
    if np.random.default_rng([opts.seed, index, 0x50]).random() < opts.syn_fraction:
        return syn_sample(opts.seed, index, opts.render)
    return render_sample(opts.seed, index, opts.render)


def _work(job: tuple[pathlib.Path, int, GenerateOptions]) -> IndexEntry:
    root, index, opts = job
    return write_sample(root, make_sample(index, opts))


def generate(
    root: pathlib.Path, count: int, opts: GenerateOptions, workers: int = 2, progress: bool = True
) -> list[IndexEntry]:
    """Write ``count`` samples and index.json under ``root``.

    Args:
        root: output folder (created). count: number of samples. opts: generation options.
        workers: worker processes (1 = in this process).
        progress: show a tqdm bar.

    Returns:
        The index entries, sorted by id.
    """
    make_folders(root)
    preload(opts.seed, opts.bank_size, workers)
    jobs = [(root, i, opts) for i in range(count)]
    entries: list[IndexEntry] = []
    bar = tqdm(total=count, unit="sample", disable=not progress)
    if workers <= 1:
        for job in jobs:
            entries.append(_work(job))
            bar.update(1)
    else:
        with mp.get_context("fork").Pool(workers) as pool:
            for entry in pool.imap_unordered(_work, jobs, chunksize=4):
                entries.append(entry)
                bar.update(1)
    bar.close()
    entries.sort(key=lambda e: e.id)
    write_index(root, entries, opts.seed, opts.size)
    return entries


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--syn-fraction", type=float, default=0.3)
    parser.add_argument("--supersample", type=int, default=1)
    args = parser.parse_args(argv)
    opts = GenerateOptions(
        seed=args.seed, size=args.size, syn_fraction=args.syn_fraction, supersample=args.supersample
    )
    start = time.perf_counter()
    generate(args.out, args.count, opts, workers=args.workers)
    elapsed = time.perf_counter() - start
    print(f"{args.count} samples in {elapsed:.1f} s ({args.count / elapsed:.2f} samples/s) -> {args.out}")


if __name__ == "__main__":
    main()
