"""Determinism, the on-disk format, the generator CLI and the Dataset reader."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from hdr_live.joints import Side
from training.synth import generate as gen
from training.synth.dataset import SynthDataset
from training.synth.render_mode import render_sample
from training.synth.sample import SampleSource
from training.synth.storage import make_folders, read_sample, sample_id, write_sample
from training.synth.syn_mode import syn_sample


def _arrays(sample):
    out = [sample.image]
    for side in Side:
        t = sample.hand(side)
        out += [t.amodal, t.visible, t.target, t.joints_px, t.joints_cam_m]
    return out


def test_same_seed_same_sample_bytes(render_samples, seed, fast_opts):
    again = render_sample(seed, 0, fast_opts)
    for a, b in zip(_arrays(render_samples[0]), _arrays(again)):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_same_seed_same_syn_sample_bytes(syn_samples, seed, fast_opts):
    again = syn_sample(seed, 200, fast_opts)
    for a, b in zip(_arrays(syn_samples[0]), _arrays(again)):
        assert a.tobytes() == b.tobytes()


def test_other_index_differs(render_samples):
    assert render_samples[0].image.tobytes() != render_samples[1].image.tobytes()


def test_write_read_round_trip(tmp_path, render_samples, syn_samples):
    make_folders(tmp_path)
    for s in (render_samples[1], syn_samples[1]):
        write_sample(tmp_path, s)
        back = read_sample(tmp_path, sample_id(s.index))
        assert back.source is s.source and back.camera == s.camera
        for a, b in zip(_arrays(s), _arrays(back)):
            np.testing.assert_array_equal(a, b)


def test_files_are_byte_identical_across_writes(tmp_path, seed, fast_opts):
    digests = []
    for run in ("a", "b"):
        root = tmp_path / run
        make_folders(root)
        write_sample(root, render_sample(seed, 2, fast_opts))
        files = sorted(p for p in root.rglob("*") if p.is_file())
        digests.append(
            [(p.relative_to(root).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]
        )
    assert digests[0] == digests[1] and len(digests[0]) == 5


def test_generate_and_read_dataset(tmp_path, seed):
    opts = gen.GenerateOptions(seed=seed, size=96, syn_fraction=0.5, bank_size=2)
    entries = gen.generate(tmp_path, 6, opts, workers=1, progress=False)
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["format"] == "hdr-live-synth" and index["count"] == 6
    assert [e.id for e in entries] == [sample_id(i) for i in range(6)]
    both = SynthDataset(tmp_path, split=None)
    train, val = SynthDataset(tmp_path, "train"), SynthDataset(tmp_path, "val")
    assert len(both) == 6 == len(train) + len(val)
    sample = both[3]
    assert sample.image.shape == (96, 96, 3) and sample.index == 3
    assert {e.source for e in both.entries} <= {SampleSource.RENDER, SampleSource.SYN}
    with pytest.raises(IndexError):
        both[6]


def test_dataset_rejects_unknown_split(tmp_path):
    with pytest.raises(ValueError):
        SynthDataset(tmp_path, split="test")
