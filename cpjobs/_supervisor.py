"""``cpjobs run --processes N``: N worker processes, kept running.

The supervisor starts each child as ``cpjobs run`` with the same arguments
and ``--processes 1``, in a process group of its own (so a Ctrl-C in a
terminal reaches the children once, through the supervisor). It forwards
SIGTERM and SIGINT to them, restarts a child that crashed after a backoff,
and gives up when children keep crashing. A child that exits 0 (a burst run
that found the queue empty) is not restarted.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType
from typing import Final

from ._backoff import Backoff

__all__ = ["GIVE_UP_AFTER", "Supervisor", "child_command"]

logger = logging.getLogger("cpjobs.supervisor")

#: Crashes in a row of one child, each soon after its start, before giving up.
GIVE_UP_AFTER: Final = 5
#: A child that ran this long before crashing starts a new row of crashes.
_STEADY: Final = 60.0
_RESTART_BACKOFF: Final = Backoff(initial=0.5, maximum=30.0)
#: Exit codes that restarting will not fix: bad arguments, configuration, target.
_FATAL: Final = frozenset({2, 3, 4})
#: How often the supervisor looks at its children.
_TICK: Final = 0.05


class _Child:
    """One slot: its process, when it started, and its crashes in a row."""

    def __init__(self, slot: int) -> None:
        self.slot = slot
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.crashes = 0
        self.restart_at: float | None = None


class Supervisor:
    """Run ``command`` ``processes`` times over; `run` returns the exit code."""

    def __init__(self, command: Sequence[str], processes: int) -> None:
        self._command = tuple(command)
        self._children = [_Child(slot) for slot in range(processes)]
        self._stopping = False
        self._signals: list[int] = []

    def run(self) -> int:
        """Supervise until the children end; forward signals meanwhile."""
        previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            for child in self._children:
                self._start(child)
            return self._watch()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signals.append(signum)

    def _start(self, child: _Child) -> None:
        child.process = subprocess.Popen(self._command, process_group=0)
        child.started = time.monotonic()
        child.restart_at = None
        logger.info("child %d started: pid %d", child.slot, child.process.pid)

    def _forward(self, signum: int) -> None:
        if not self._stopping:
            logger.info("stopping: forwarding %s", signal.Signals(signum).name)
        self._stopping = True
        for child in self._children:
            child.restart_at = None
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signum)

    def _watch(self) -> int:
        status = 0
        while True:
            while self._signals:
                self._forward(self._signals.pop(0))
            running = False
            for child in self._children:
                outcome = self._look_after(child)
                if outcome is None:
                    running = True
                elif outcome != 0 and not self._stopping:
                    # Fatal, or crashing for good: stop the others.
                    status = outcome
                    self._forward(signal.SIGTERM)
                elif outcome != 0:
                    status = status or (outcome if outcome > 0 else 1)
            if not running:
                return status
            time.sleep(_TICK)

    def _look_after(self, child: _Child) -> int | None:
        """``None`` while the slot is alive or will restart, else how it ended."""
        now = time.monotonic()
        if child.restart_at is not None:
            if self._stopping:
                child.restart_at = None
                return 0
            if now >= child.restart_at:
                self._start(child)
            return None
        process = child.process
        if process is None:
            return 0
        code = process.poll()
        if code is None:
            return None
        child.process = None
        if self._stopping and code in (-signal.SIGTERM, -signal.SIGINT):
            # The forwarded signal ended it before its worker took signals
            # over, which the worker does before its first poll: no job lost.
            return 0
        if code == 0 or self._stopping:
            return code
        if code in _FATAL:
            logger.error("child %d exited %d: not restarting", child.slot, code)
            return code
        child.crashes = 1 if now - child.started >= _STEADY else child.crashes + 1
        if child.crashes >= GIVE_UP_AFTER:
            logger.error(
                "child %d crashed %d times in a row: giving up",
                child.slot,
                child.crashes,
            )
            return 70
        delay = _RESTART_BACKOFF.delay(child.crashes - 1, None)
        logger.warning(
            "child %d exited %s: restarting in %.1fs", child.slot, code, delay
        )
        child.restart_at = now + delay
        child.process = None
        return None


def child_command(argv: Sequence[str]) -> list[str]:
    """``cpjobs run`` with ``argv``, as one worker process (the last option wins)."""
    return [sys.executable, "-m", "cpjobs", "run", *argv, "--processes", "1"]
