"""The trainers' shared run-folder plumbing: schedule, spec-checked checkpoints, log."""

import json

import pytest
import torch

from training.run_folder import (RunFolder, init_from_run, init_provenance, read_checkpoint,
                                 warmup_cosine_lr)


def test_warmup_then_cosine_to_zero():
    lrs = [warmup_cosine_lr(s, 2.0, 4, 12) for s in range(14)]
    assert lrs[:4] == [0.5, 1.0, 1.5, 2.0]  # linear warm-up, the first step already non-zero
    assert lrs[4] == 2.0 and lrs[8] == pytest.approx(1.0)  # cosine: half-way at mid-decay
    assert all(a > b for a, b in zip(lrs[4:12], lrs[5:12]))
    assert lrs[12] == pytest.approx(0.0, abs=1e-15) and lrs[13] == lrs[12]  # 0 from total on


def test_checkpoints_are_spec_checked_and_logs_append(tmp_path):
    folder = RunFolder(tmp_path / "run")
    assert folder.saved_state({"a": 1}) is None
    net = torch.nn.Linear(2, 2)
    folder.write({"spec": {"a": 1}, "model": net.state_dict(), "step": 3, "wall_s": 1.5})
    assert read_checkpoint(folder.ckpt, {"a": 1})["step"] == 3
    assert not folder.ckpt.with_suffix(".tmp").exists()
    with pytest.raises(SystemExit, match="another spec"):
        folder.saved_state({"a": 2})
    other = torch.nn.Linear(2, 2)
    state = init_from_run(tmp_path / "run", {"model": other}, {"a": 1})
    assert state["step"] == 3 and torch.equal(other.weight, net.weight)
    with pytest.raises(SystemExit, match="no checkpoint"):
        init_from_run(tmp_path / "missing", {"model": other}, {"a": 1})
    folder.log({"step": 1})
    folder.log({"step": 2})
    lines = (tmp_path / "run" / "log.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [1, 2]
    assert init_provenance(None) == "random (no pretrained weights)"
    assert init_provenance({"run": "r"})["from_run"] == {"run": "r"}
