"""Quiet native logs: the C++ libraries under MediaPipe and TFLite write their own log lines
straight to file descriptor 2 (``INFO: Created TensorFlow Lite XNNPACK delegate for CPU.``,
absl's ``W0000 …`` lines, ``WARNING: All log messages before absl::InitializeLog() …``), which
no Python setting silences. :func:`filter_native_stderr` moves Python's own ``sys.stderr`` to a
copy of the terminal's stderr and routes descriptor 2 through a thread that drops those lines and
passes every other line on.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
import threading

#: How long the exit hook waits for the filter thread to pass the last lines on, seconds.
DRAIN_TIMEOUT_S = 2.0

#: Lines of native-library log noise (matched at the start of a line).
NATIVE_NOISE = re.compile(
    rb"^(?:[IW]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\]"  # absl / glog info and warnings (E, F kept)
    rb"|INFO: Created TensorFlow Lite"
    rb"|WARNING: All log messages before absl::InitializeLog\(\)"
    rb"|Feedback manager requires a model)"
)


def is_native_noise(line: bytes) -> bool:
    """Whether one stderr line (bytes, without its newline) is native-library log noise."""
    return NATIVE_NOISE.match(line) is not None


def _pump(read_fd: int, write_fd: int) -> None:
    """Copy ``read_fd`` to ``write_fd`` line by line, dropping native noise, until EOF."""
    pending = b""
    while True:
        try:
            chunk = os.read(read_fd, 65536)
        except OSError:
            return
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        kept = [line + b"\n" for line in lines if not is_native_noise(line)]
        if kept and write_fd >= 0:
            write_fd = _passed_on(write_fd, b"".join(kept))
    if pending and not is_native_noise(pending) and write_fd >= 0:
        _passed_on(write_fd, pending)


def _passed_on(write_fd: int, data: bytes) -> int:
    """Write ``data`` to ``write_fd``; -1 once the reader has gone (the pump then only drains,
    so native writers never block on a full pipe)."""
    try:
        os.write(write_fd, data)
        return write_fd
    except OSError:
        return -1


def filter_native_stderr() -> None:
    """Drop native log noise from descriptor 2 for the rest of the process (idempotent).

    Python's ``sys.stderr`` keeps writing to the terminal directly (progress bars stay live); only
    what native code writes to descriptor 2 goes through the filter thread. Does nothing when
    descriptor 2 cannot be duplicated.
    """
    if getattr(filter_native_stderr, "_installed", False):
        return
    try:
        terminal = os.dup(2)
        read_fd, write_fd = os.pipe()
    except OSError:
        return
    sys.stderr.flush()
    sys.stderr = os.fdopen(os.dup(terminal), "w", buffering=1, encoding="utf-8",
                           errors="backslashreplace")
    os.dup2(write_fd, 2)
    os.close(write_fd)
    pump = threading.Thread(target=_pump, args=(read_fd, terminal), name="hdr-live-stderr",
                            daemon=True)
    pump.start()
    atexit.register(_restore, terminal, pump)
    filter_native_stderr._installed = True  # type: ignore[attr-defined]


def _restore(terminal: int, pump: threading.Thread) -> None:
    """At exit: descriptor 2 back to the terminal (closing the pipe's last writer, so the
    filter thread reads to the end) and wait for the thread to pass the last lines on."""
    try:
        sys.stderr.flush()
        os.dup2(terminal, 2)
    except OSError:
        return
    pump.join(DRAIN_TIMEOUT_S)
