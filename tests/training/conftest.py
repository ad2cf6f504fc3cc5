"""Shared fixtures: a few rendered samples (bank of 2 hand shapes to keep meshing cheap) and a
tiny generated dataset folder."""

from __future__ import annotations

import pytest

from training.synth.render_mode import RenderOptions, render_sample, render_with_hits
from training.synth.storage import IndexEntry, make_folders, write_index, write_sample
from training.synth.syn_mode import syn_sample

SEED = 11
FAST = RenderOptions(bank_size=2)
SHARP = RenderOptions(bank_size=2, degrade=False)


@pytest.fixture(scope="session")
def seed() -> int:
    """The dataset seed the fixtures use."""
    return SEED


@pytest.fixture(scope="session")
def fast_opts() -> RenderOptions:
    """Render options with a 2-shape bank (cheap meshing)."""
    return FAST


@pytest.fixture(scope="session")
def render_samples():
    """Four degraded AIH_Render-like samples."""
    return [render_with_hits(SEED, i, FAST)[0] for i in range(4)]


@pytest.fixture(scope="session")
def sharp_with_hits():
    """Three undegraded AIH_Render-like samples with their ray hits (supersample 1)."""
    return [render_with_hits(SEED, 100 + i, SHARP) for i in range(3)]


@pytest.fixture(scope="session")
def syn_samples():
    """Three AIH_Syn-like (copy-paste) samples."""
    return [syn_sample(SEED, 200 + i, FAST) for i in range(3)]


@pytest.fixture(scope="session")
def tiny_synth_dataset(tmp_path_factory):
    """A generated dataset folder of four AIH_Render-like samples: three train, one val."""
    root = tmp_path_factory.mktemp("synth")
    make_folders(root)
    entries = []
    for i in range(4):
        e = write_sample(root, render_sample(SEED, i, FAST))
        entries.append(IndexEntry(e.id, "val" if i == 3 else "train", e.source))
    write_index(root, entries, SEED, 256)
    return root
