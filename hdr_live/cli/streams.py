"""Standard streams that survive a reader going away (``hdr-live … 2>&1 | head``, ``| true``).

When the reader of stdout or stderr closes its end, writing raises ``BrokenPipeError``. Raised
inside a progress bar it leaves the bar's lock held and the run deadlocks when the bar closes;
raised anywhere else it turns a complete run into a failure. A broken stream is not a reason to
stop the work or lose outputs, so, as ``ffmpeg -nostats`` users expect, the messages are dropped
from then on and the run goes on, closing and flushing its files as usual.
"""

from __future__ import annotations

import errno
import sys
from typing import TextIO


class TolerantStream:
    """A text stream that drops what it is given once its reader has gone (EPIPE), instead of
    raising; every other attribute is the wrapped stream's.

    Attributes:
        broken: True once a write or flush found the reader gone.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        """Write ``text`` (or drop it when the reader has gone); returns its length."""
        if not self.broken:
            try:
                self._stream.write(text)
            except OSError as exc:
                self._give_up(exc)
        return len(text)

    def flush(self) -> None:
        """Flush, or do nothing when the reader has gone."""
        if not self.broken:
            try:
                self._stream.flush()
            except OSError as exc:
                self._give_up(exc)

    def _give_up(self, exc: OSError) -> None:
        """Drop output from now on when ``exc`` says the reader has gone; re-raise otherwise."""
        if exc.errno not in (errno.EPIPE, errno.EINVAL):
            raise exc
        self.broken = True

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def tolerate_closed_pipes() -> None:
    """Wrap ``sys.stdout`` and ``sys.stderr`` in :class:`TolerantStream` (idempotent)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, TolerantStream):
            setattr(sys, name, TolerantStream(stream))
