"""The README's Python API example runs as written (from the repository root)."""

from __future__ import annotations

import re
import subprocess
import sys

from support import REPO


def test_the_readme_api_example_runs_as_written():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"## Python API\n\n```python\n(.*?)```", readme, re.S)
    assert match, "the README has no Python API example"
    out = subprocess.run([sys.executable, "-c", match.group(1)], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert lines[0].startswith("hdr (HASM")
    assert sum(" right " in line for line in lines) >= 25  # the right hand in most of 30 frames
