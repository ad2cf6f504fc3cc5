"""The package carries what the default pipeline loads: a wheel built from this tree holds the
bundled weights (each with its metadata) as package data, and the default pipeline runs from the
unpacked wheel alone, outside the clone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import hdr_live
from hdr_live.weights import WEIGHTS_DIR

REPO = Path(__file__).resolve().parents[1]


def test_the_weights_are_package_data():
    assert WEIGHTS_DIR.parent == Path(hdr_live.__file__).resolve().parent
    names = {p.name for p in WEIGHTS_DIR.iterdir()}
    for stem in ("hasm_mitb0", "hdrm_hdrnet", "lift_psjnet"):
        assert {f"{stem}.json", f"{stem}.onnx", f"{stem}.safetensors"} <= names


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel of this tree (built from a copy, so no build folder is left in the clone)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for package in ("hdr_live", "training"):
        shutil.copytree(REPO / package, src / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(src)], check=True, capture_output=True)
    (path,) = out.glob("hdr_live-*.whl")
    return path


def test_the_wheel_holds_every_bundled_weight_file(wheel):
    with zipfile.ZipFile(wheel) as z:
        inside = {n for n in z.namelist() if n.startswith("hdr_live/weights/")}
    assert inside == {f"hdr_live/weights/{p.name}" for p in WEIGHTS_DIR.iterdir()
                      if p.suffix in (".json", ".onnx", ".safetensors")}


def test_the_default_pipeline_runs_from_the_unpacked_wheel(wheel, tmp_path):
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    run_dir = tmp_path / "elsewhere"
    run_dir.mkdir()
    clip = shutil.copy(REPO / "assets" / "demo_two_hands.mp4", run_dir / "clip.mp4")
    code = ("import sys, hdr_live; print(hdr_live.__file__); from hdr_live.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    env = dict(os.environ, PYTHONPATH=str(site))
    done = subprocess.run([sys.executable, "-c", code, "process", str(clip), "--max-frames", "5",
                           "--poses", "p.jsonl"], cwd=run_dir, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[0].startswith(str(site))
    lines = (run_dir / "p.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert sum(1 for r in records if "hands" in r) == 5
