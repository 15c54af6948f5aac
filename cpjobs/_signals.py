"""SIGTERM and SIGINT for the workers of one event loop.

The first worker that runs on a loop installs one handler per signal; the
last to leave restores what was there before, exactly: a handler the
application added with ``loop.add_signal_handler``, or one set with
`signal.signal`. A signal goes to every worker of the loop (each decides what
it means: stop, or cut the grace short), then to the handler that was there.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import weakref
from collections.abc import Callable, Generator
from types import FrameType
from typing import Any, Final, Protocol

__all__ = ["Signalled", "handling_signals"]

SIGNALS: Final = (signal.SIGTERM, signal.SIGINT)


class Signalled(Protocol):
    """A worker that wants to hear of SIGTERM and SIGINT."""

    def signalled(self) -> None:
        """Called on the loop's thread for each signal."""


class _Previous:
    """What handled a signal before the workers did, to chain to and restore."""

    __slots__ = ("callback", "python")

    def __init__(self, loop: asyncio.AbstractEventLoop, signum: int) -> None:
        # asyncio has no public way to read a loop's signal handler: its
        # Unix loops keep them in ``_signal_handlers`` as Handles.
        handlers: dict[int, Any] = getattr(loop, "_signal_handlers", {})
        handle = handlers.get(signum)
        self.callback: tuple[Callable[..., object], tuple[Any, ...]] | None = (
            None if handle is None else (handle._callback, handle._args)
        )
        self.python = signal.getsignal(signum)

    def call(self, signum: int) -> None:
        """Pass the signal on to the handler that was there, if it was not a default."""
        if self.callback is not None:
            callback, args = self.callback
            callback(*args)
        elif callable(self.python) and self.python is not signal.default_int_handler:
            self.python(signum, None)

    def restore(self, loop: asyncio.AbstractEventLoop, signum: int) -> None:
        loop.remove_signal_handler(signum)
        if self.callback is not None:
            callback, args = self.callback
            loop.add_signal_handler(signum, callback, *args)
        else:
            signal.signal(signum, self.python)


class _LoopSignals:
    """The signal handlers of one loop, shared by its running workers."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.workers: list[Signalled] = []
        self._previous: dict[int, _Previous] = {}
        self._fallback: dict[int, Any] = {}

    def install(self) -> None:
        for signum in SIGNALS:
            previous = _Previous(self._loop, signum)
            try:
                self._loop.add_signal_handler(signum, self._on_signal, signum)
            except NotImplementedError:  # pragma: no cover - Windows
                self._fallback[signum] = signal.signal(signum, self._threadsafe)
            else:
                self._previous[signum] = previous

    def restore(self) -> None:
        for signum, previous in self._previous.items():
            previous.restore(self._loop, signum)
        for signum, handler in self._fallback.items():  # pragma: no cover - Windows
            signal.signal(signum, handler)

    def _on_signal(self, signum: int) -> None:
        for worker in tuple(self.workers):
            worker.signalled()
        previous = self._previous.get(signum)
        if previous is not None:
            previous.call(signum)

    def _threadsafe(  # pragma: no cover - Windows
        self, signum: int, frame: FrameType | None
    ) -> None:
        self._loop.call_soon_threadsafe(self._on_signal, signum)


_LOOPS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopSignals] = (
    weakref.WeakKeyDictionary()
)


@contextlib.contextmanager
def handling_signals(worker: Signalled) -> Generator[None]:
    """Tell ``worker`` of SIGTERM and SIGINT on the running loop while inside."""
    loop = asyncio.get_running_loop()
    signals = _LOOPS.get(loop)
    if signals is None:
        signals = _LoopSignals(loop)
        try:
            signals.install()
        except BaseException:
            signals.restore()
            raise
        _LOOPS[loop] = signals
    signals.workers.append(worker)
    try:
        yield
    finally:
        signals.workers.remove(worker)
        if not signals.workers:
            del _LOOPS[loop]
            signals.restore()
