"""Trainers under torchrun (training.distributed): two gloo processes on the CPU against one
process on the same global batches, rank-0-only files, resume, and the single-process context.

The two-process runs are launched as ``python -m torch.distributed.run --nproc_per_node=2 …``
subprocesses on the tiny generated dataset with the tiny specs of the trainers' own tests. With
synchronised BatchNorm and equal shards the averaged gradient is the full-batch gradient, so
the logged losses agree to float rounding (rtol 1e-4). HASM's dropout and drop-path masks cannot
agree between a batch and its shards, so its step-by-step comparison runs the trainer with them
switched off (``hasm_no_dropout.py``); the plain ``-m training.train_hasm`` then resumes it.
Final weights are compared with atol 1e-4 (a tenth of one step at lr 1e-3): a bias that feeds
straight into BatchNorm has a zero gradient up to rounding, which Adam scales to a step.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from hasm_no_dropout import no_dropout_config
from test_hasm_training import SPEC as HASM_SPEC
from test_hdrm_training import SPEC as HDRM_SPEC
from test_shpe_training import SPEC as SHPE_SPEC
from training import distributed
from training.distributed import SINGLE, DistContext, SyncedBatchNorm, init_from_env, sync_batch_norm
from training.run_folder import CHECKPOINT, LOG

REPO = Path(__file__).resolve().parents[2]
NO_DROPOUT = Path(__file__).with_name("hasm_no_dropout.py")
LAUNCH_TIMEOUT_S = 240
#: a tenth of one Adam step at the trainers' default lr 1e-3 (see the module docstring)
WEIGHT_ATOL = 1e-4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _torchrun(*target: str) -> None:
    """Run ``target`` (``-m module ARGS`` or ``script ARGS``) in two gloo processes from the
    repository root; fail with the output's tail when the launch fails."""
    env = {k: v for k, v in os.environ.items()
           if k not in distributed.ENV_KEYS + distributed.RENDEZVOUS_KEYS}
    env["OMP_NUM_THREADS"] = "1"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
           "--master_addr", "127.0.0.1", "--master_port", str(_free_port()), *target]
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=LAUNCH_TIMEOUT_S)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]


def _spec_file(tmp_path: Path, spec) -> Path:
    path = tmp_path / f"{type(spec).__name__}.json"
    path.write_text(json.dumps(spec.to_json()))
    return path


def _log(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / LOG).read_text().splitlines()]


def _checkpoint(run: Path) -> dict:
    return torch.load(run / CHECKPOINT, weights_only=False)


def _assert_losses_match(one: list[dict], two: list[dict], keys: tuple[str, ...]) -> float:
    """The logged losses agree step by step; returns the largest relative difference of the
    first key's (the total loss)."""
    assert [r["step"] for r in two] == [r["step"] for r in one]
    a = np.array([[r[k] for k in keys] for r in one])
    b = np.array([[r[k] for k in keys] for r in two])
    np.testing.assert_allclose(b, a, rtol=1e-4, atol=2e-6)
    return float(np.max(np.abs(b[:, 0] - a[:, 0]) / np.abs(a[:, 0])))


def _assert_weights_close(one: dict, two: dict, atol: float = WEIGHT_ATOL) -> None:
    assert one.keys() == two.keys()
    for key in one:
        torch.testing.assert_close(two[key], one[key], rtol=0.0, atol=atol, msg=key)


def _only_rank0_files(run: Path, extra: set[str] = frozenset()) -> None:
    """One checkpoint and one log (no second writer, no leftover temporary file)."""
    assert {p.name for p in run.iterdir()} == {CHECKPOINT, LOG} | extra
    steps = [r["step"] for r in _log(run)]
    assert steps == sorted(set(steps))  # each step logged once


@pytest.fixture
def single_process(monkeypatch):
    """The in-process reference runs: no torchrun variables in the environment."""
    for key in distributed.ENV_KEYS + distributed.RENDEZVOUS_KEYS:
        monkeypatch.delenv(key, raising=False)


def test_without_torchrun_everything_is_the_single_process_path():
    ctx = init_from_env({})
    assert ctx is SINGLE and ctx.is_main and not ctx.distributed and ctx.world_size == 1
    rows = torch.arange(6.0)
    assert ctx.shard(rows) is rows and ctx.to_local(rows) is rows
    model = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2))
    assert ctx.wrap(model) is model and isinstance(model[1], nn.BatchNorm2d)
    assert ctx.all_reduce_mean(torch.tensor(2.5)) == 2.5
    assert ctx.mean_record({"a": 1.0, "b": torch.tensor(3.0)}) == {"a": 1.0, "b": 3.0}
    assert ctx.any_rank(True) and not ctx.any_rank(False)
    assert ctx.threads_per_rank(2) == 2 and ctx.local_batch(5) == 5
    ctx.barrier()
    ctx.close()


def test_shards_are_disjoint_equal_blocks_and_bad_environments_fail():
    rows = np.arange(8)
    parts = [DistContext(rank=r, world_size=2, local_world_size=2).shard(rows) for r in (0, 1)]
    np.testing.assert_array_equal(np.concatenate(parts), rows)
    assert DistContext(world_size=2, local_world_size=2).threads_per_rank(2) == 1
    with pytest.raises(ValueError, match="multiple"):
        DistContext(world_size=2).shard(np.arange(3))
    with pytest.raises(ValueError, match="incomplete"):
        init_from_env({"RANK": "0", "WORLD_SIZE": "2"})
    full = {"RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": "1"}
    with pytest.raises(ValueError, match="integer"):
        init_from_env({**full, "RANK": "zero"})
    with pytest.raises(ValueError, match="inconsistent"):
        init_from_env({**full, "RANK": "2"})


def test_synced_batch_norm_keeps_parameters_and_is_batch_norm_alone():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
    plain = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
    plain.load_state_dict(model.state_dict())
    params = list(model.parameters())
    sync_batch_norm(model)
    assert isinstance(model[1], SyncedBatchNorm) and list(model.parameters()) == params
    assert model.state_dict().keys() == plain.state_dict().keys()
    x = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(model(x), plain(x), rtol=0, atol=0)  # no process group: plain
    torch.testing.assert_close(model.state_dict(), plain.state_dict())


def test_hasm_two_processes_match_one_write_once_and_resume(tiny_synth_dataset, tmp_path,
                                                             monkeypatch, single_process):
    import transformers

    from training.train_hasm import main

    args = ["--data", str(tiny_synth_dataset), "--batch", "4", "--total-steps", "5",
            "--log-every", "1", "--spec", str(_spec_file(tmp_path, HASM_SPEC))]
    with monkeypatch.context() as m:
        m.setattr(transformers, "SegformerConfig", no_dropout_config())
        main([*args, "--run", str(tmp_path / "one"), "--steps", "4"])
    two = tmp_path / "two"
    _torchrun(str(NO_DROPOUT), *args, "--run-dir", str(two), "--steps", "2")
    _only_rank0_files(two)
    assert _checkpoint(two)["step"] == 2
    _torchrun(str(NO_DROPOUT), *args, "--run-dir", str(two), "--steps", "4")  # resumes
    _only_rank0_files(two)
    one_log, two_log = _log(tmp_path / "one"), _log(two)
    diff = _assert_losses_match(one_log, two_log, ("loss",))
    print(f"HASM 1 vs 2 processes, steps 1-4: max relative loss difference {diff:.2e}")
    one_ckpt, two_ckpt = _checkpoint(tmp_path / "one"), _checkpoint(two)
    assert two_ckpt["step"] == 4
    _assert_weights_close(one_ckpt["model"], two_ckpt["model"])
    np.testing.assert_equal(two_ckpt["rng"], one_ckpt["rng"])  # the same global batches drawn
    # the plain trainer module (dropout on) under torchrun continues the same run
    _torchrun("-m", "training.train_hasm", *args, "--run-dir", str(two), "--steps", "5")
    _only_rank0_files(two)
    assert [r["step"] for r in _log(two)] == [1, 2, 3, 4, 5] and _checkpoint(two)["step"] == 5


def test_shpe_two_processes_match_one(tiny_synth_dataset, tmp_path, single_process):
    from training.train_shpe import main

    args = ["--data", str(tiny_synth_dataset), "--batch", "4", "--steps", "3", "--total-steps",
            "3", "--log-every", "1", "--spec", str(_spec_file(tmp_path, SHPE_SPEC))]
    main([*args, "--run", str(tmp_path / "one")])
    two = tmp_path / "two"
    _torchrun("-m", "training.train_shpe", *args, "--run-dir", str(two))
    _only_rank0_files(two, {"views_train.npz", "views_val.npz"})  # views built by rank 0
    diff = _assert_losses_match(_log(tmp_path / "one"), _log(two), ("l_heat", "l_loc"))
    print(f"SHPE 1 vs 2 processes, steps 1-3: max relative loss difference {diff:.2e}")
    assert _checkpoint(two)["step"] == 3
    _assert_weights_close(_checkpoint(tmp_path / "one")["model"], _checkpoint(two)["model"])


def test_hdrm_two_processes_match_one(tiny_synth_dataset, tmp_path, single_process):
    from training.train_hdrm import main

    args = ["--data", str(tiny_synth_dataset), "--phase", "gt", "--batch", "4", "--steps", "3",
            "--total-steps", "3", "--log-every", "1",
            "--spec", str(_spec_file(tmp_path, HDRM_SPEC))]
    main([*args, "--run", str(tmp_path / "one")])
    two = tmp_path / "two"
    _torchrun("-m", "training.train_hdrm", *args, "--run-dir", str(two))
    _only_rank0_files(two)
    diff = _assert_losses_match(_log(tmp_path / "one"), _log(two),
                                ("total", "adversarial", "l1", "perceptual", "style", "disc"))
    print(f"HDRM 1 vs 2 processes, steps 1-3: max relative loss difference {diff:.2e}")
    one, two_ckpt = _checkpoint(tmp_path / "one"), _checkpoint(two)
    assert two_ckpt["step"] == 3
    for key in ("gen", "disc"):
        _assert_weights_close(one[key], two_ckpt[key])
