"""Runs honcho for `make run` (deploy/run.sh): `python deploy/supervise.py start -f ...`.

What it adds to the plain `honcho` command, so that stopping `make run` always stops every
process it started (the Kafka broker included) and leaves no orphan holding a port:

- Ctrl-C, SIGTERM *and* SIGHUP (the terminal closed) stop everything; each process gets 15 s
  (honcho's default: 5 s) between SIGTERM and SIGKILL, so the broker and workers stop cleanly.
- A terminal or pipe that goes away (`make run | tee log` and Ctrl-C kills tee first) no longer
  crashes honcho mid-shutdown: its output is discarded instead.
- Should honcho itself fail, the processes still get SIGTERM before it exits.
- A stop by Ctrl-C/SIGTERM/SIGHUP exits 0 (honcho's own status is 130 or 143).
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from typing import Any, TextIO

from honcho import command, manager

manager.KILL_WAIT = 15
_STOPPED_ON_PURPOSE = (130, 143)


class _TolerantOutput:
    """stdout that, once its reader is gone (EPIPE, or EIO from a closed terminal), sends
    everything to /dev/null instead of raising in the middle of honcho's event loop."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._guard(self._stream.write, text) or len(text)

    def flush(self) -> None:
        self._guard(self._stream.flush)

    def _guard(self, call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except OSError as exc:
            if exc.errno not in (errno.EPIPE, errno.EIO):
                raise
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
            return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _Manager(manager.Manager):
    def _start(self) -> None:
        # The per-process helpers honcho forks must outlive a SIGHUP (they report each process's
        # exit); this process turns SIGHUP into the same orderly stop as SIGTERM.
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        super()._start()
        on_term: Any = signal.getsignal(signal.SIGTERM)  # honcho's handler, set by loop()
        signal.signal(signal.SIGHUP, lambda _sig, frame: on_term(signal.SIGTERM, frame))

    def loop(self) -> None:
        try:
            super().loop()
        except BaseException:
            self._killall()  # SIGTERM to every process group still running, then re-raise
            raise


def main() -> None:
    sys.stdout = _TolerantOutput(sys.stdout)
    command.Manager = _Manager
    try:
        command.main(sys.argv[1:])
    except SystemExit as stop:
        sys.exit(0 if stop.code in _STOPPED_ON_PURPOSE else stop.code)


if __name__ == "__main__":
    main()
