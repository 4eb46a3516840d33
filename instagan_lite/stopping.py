"""Stopping a run cleanly: Ctrl-C or SIGTERM finishes the iteration, saves and stops.

    with StopSignals() as stop:
        while not stop.requested:
            ...   # one iteration
    # the previous handlers are back

A second signal while a stop is pending aborts at once (KeyboardInterrupt). Outside the main thread
(where Python cannot install handlers) nothing is installed and ``requested`` stays False.
"""

from __future__ import annotations

import signal
import threading

__all__ = ["STOP_SIGNALS", "StopSignals"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Ctrl-C, and ``kill`` / a scheduler / a closing notebook kernel."""


class StopSignals:
    """A context manager that turns :data:`STOP_SIGNALS` into a ``requested`` flag while it is active."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict = {}

    def __enter__(self) -> StopSignals:
        self.requested = False
        if threading.current_thread() is threading.main_thread():
            self._previous = {sig: signal.signal(sig, self._handle) for sig in STOP_SIGNALS}
        return self

    def __exit__(self, *exc) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        print(f"\n{name}: stopping after this iteration and saving a checkpoint (again to abort).", flush=True)
