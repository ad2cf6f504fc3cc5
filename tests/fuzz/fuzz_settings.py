"""Hypothesis settings of the fuzz suite, bounded for CI, with a longer nightly setting.

- default (CI): each test's own small example count, derandomized (the same examples every run,
  so CI is stable), no example database written.
- ``HDR_LIVE_FUZZ=nightly``: 20 times the examples, new random ones each run.
- ``HDR_LIVE_FUZZ_EXAMPLES=N``: exactly N examples per fuzz test (overrides both).

Every example also runs under :func:`hang_guard`: an example that takes longer than its limit
ends the test process with every thread's traceback (a hang is a failure, never a stuck CI).
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import sys

from hypothesis import HealthCheck, settings

NIGHTLY = os.environ.get("HDR_LIVE_FUZZ", "").lower() == "nightly"


def example_count(default: int) -> int:
    """Examples for a test whose CI count is ``default``."""
    override = os.environ.get("HDR_LIVE_FUZZ_EXAMPLES", "")
    if override.strip():
        return max(1, int(override))
    return default * 20 if NIGHTLY else default


def fuzz_settings(default_examples: int) -> settings:
    """Settings for one fuzz test (no per-example deadline: :func:`hang_guard` bounds time)."""
    return settings(
        max_examples=example_count(default_examples),
        deadline=None,
        database=None,
        derandomize=not NIGHTLY,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.function_scoped_fixture],
    )


@contextlib.contextmanager
def hang_guard(seconds: float):
    """Dump every thread's traceback and exit the process if the block runs past ``seconds``."""
    faulthandler.dump_traceback_later(seconds, exit=True, file=sys.stderr)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
