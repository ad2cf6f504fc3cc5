"""Stop signals: Ctrl-C, SIGTERM and SIGHUP end a run after the frame in hand, never in the
middle of writing one, and give the shell's exit code for the signal."""

from __future__ import annotations

import signal
import threading

#: The signals that stop a run gracefully: Ctrl-C, ``kill``/``timeout``/systemd/docker, a closed
#: terminal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM) + ((signal.SIGHUP,) if hasattr(signal, "SIGHUP")
                                                  else ())


class GracefulStop:
    """Context manager: the first stop signal (Ctrl-C, SIGTERM, SIGHUP: :data:`STOP_SIGNALS`)
    only sets :attr:`requested` and :attr:`signum`, so the frame in hand is finished and written
    whole; a second one interrupts at once (KeyboardInterrupt).

    Outside the main thread it does nothing (signals can only be handled there).
    """

    def __init__(self) -> None:
        self.requested = False
        self.signum = 0
        self._previous: dict[int, object] = {}

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self.signum = signum

    def __enter__(self) -> "GracefulStop":
        if threading.current_thread() is threading.main_thread():
            self._previous = {s: signal.signal(s, self._handle) for s in STOP_SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        self._previous = {}


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived where no :class:`GracefulStop` was listening (loading the
    models, between clips): handled like Ctrl-C there. ``signum`` names the signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_terminated(signum, frame) -> None:
    raise Terminated(signum)


def stop_signals_interrupt() -> None:
    """Make SIGTERM and SIGHUP raise :class:`Terminated` (a KeyboardInterrupt) in the main
    thread, as Ctrl-C raises KeyboardInterrupt, instead of ending the process on the spot; call
    once at start-up of a command-line run."""
    for s in STOP_SIGNALS:
        if s != signal.SIGINT:
            signal.signal(s, _raise_terminated)


def exit_code_of(signum: int) -> int:
    """The shell's exit code for a run stopped by ``signum``: 128 + the signal number (130 for
    Ctrl-C, 143 for SIGTERM, 129 for SIGHUP)."""
    return 128 + int(signum or signal.SIGINT)
