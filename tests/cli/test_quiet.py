"""Native log noise is kept off stderr (hdr_live.cli.quiet), everything else passes."""

from __future__ import annotations

import os
import subprocess
import sys

from hdr_live.cli.quiet import is_native_noise

NOISE = [
    b"W0000 00:00:1796114616.270965   11982 inference_feedback_manager.cc:114] Feedback manager",
    b"I0000 00:00:1796114616.1 42 gl_context.cc:357] GL version: 2.1",
    b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
]
KEPT = [b"hdr-live: error: no such file or folder: x.mp4", b"Traceback (most recent call last):",
        b"  W0000 is not at the start", b"",
        b"E0000 00:00:1796114616.1 42 calculator_graph.cc:887] INTERNAL: graph failed",
        b"F0000 00:00:1796114616.1 42 tensor.cc:12] Check failed: x == y"]


def test_noise_lines_are_recognised_and_others_are_not():
    assert all(is_native_noise(line) for line in NOISE)
    assert not any(is_native_noise(line) for line in KEPT)


def test_the_filter_drops_native_lines_and_keeps_python_and_other_native_lines():
    noise = b"".join(line + b"\n" for line in NOISE)
    code = (
        "import os, sys\n"
        "from hdr_live.cli.quiet import filter_native_stderr\n"
        "filter_native_stderr()\n"
        f"os.write(2, {noise!r})\n"
        "os.write(2, b'native error kept\\n')\n"
        "print('python line kept', file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60,
                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
    err = out.stderr.decode()
    assert out.returncode == 0, err
    assert "python line kept" in err and "native error kept" in err
    assert "XNNPACK" not in err and "W0000" not in err and "absl::InitializeLog" not in err
