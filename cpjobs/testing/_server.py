"""The HTTP server under the emulator: moto's app on werkzeug, kept alive.

How it hooks into moto
----------------------
moto (5.x) implements CodePipeline pipelines but none of the job operations.
The emulator does not patch moto. It runs moto's own WSGI application
(``DomainDispatcherApplication(create_backend_app)``, exactly what
``moto_server`` and ``ThreadedMotoServer`` serve) behind small WSGI
middleware (`cpjobs.testing._http.JobsMiddleware` for the job operations,
the control API, pipeline executions, and
`cpjobs.testing._artifacts.ArtifactGuard` for the artifact bucket; their
order is described in `cpjobs.testing._emulator`) on werkzeug's threaded
server, bound to 127.0.0.1. It binds the port itself before werkzeug does,
so a port in use is an `OSError` for the caller. The server is run here
rather than through ``ThreadedMotoServer`` because that class takes no
middleware and leaves the threads of kept-alive connections running after
``stop()``; this one ends them.

Keep-alive
----------
werkzeug's development server answers every request with ``Connection:
close``: http.server cannot skip a request body the app left unread, and
after each answer werkzeug reads whatever the client sent next to discard
it. The handler here gives the app a bounded view of the body, skips what
is left after the answer, keeps werkzeug's discard from reading the next
request, and drops the forced close, so a client's connections serve many
calls (HTTP/1.1 keep-alive), with TCP_NODELAY.

What would break if moto changed
--------------------------------
Only the three names taken from ``moto.moto_server.werkzeug_app``:
``DomainDispatcherApplication`` and ``create_backend_app`` (there throughout
moto 5; tested with 5.0.20 and 5.2.5) and ``MotoRequestHandler`` (moto 5.2;
werkzeug's own handler is used without it). Moving or renaming them breaks
``serve()``. (``moto.core.base_backend.AccountSpecificBackend.get_session``
is called once at start, see `cpjobs.testing._sessions`; without it, nothing
is done.) Nothing else in moto is touched.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import socket
import threading
import time
from typing import IO, TYPE_CHECKING, Any, Final, cast

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment
    from werkzeug.serving import WSGIRequestHandler

__all__ = ["HOST", "Server", "moto_app"]

#: Where the emulator listens: loopback only.
HOST: Final = "127.0.0.1"
#: How long stop() waits, in all, for the connections' threads to end.
_STOP_WAIT: Final = 5.0
#: How much of an unread request body is read at a time to skip it.
_SKIP_CHUNK: Final = 1 << 16


class Server:
    """werkzeug's threaded WSGI server that can close its open connections."""

    def __init__(self, app: WSGIApplication, port: int) -> None:
        from werkzeug.serving import ThreadedWSGIServer

        lock = threading.Lock()
        sockets: set[socket.socket] = set()
        threads: set[threading.Thread] = set()

        class Server(ThreadedWSGIServer):
            # Track each connection and its thread so stop() can end
            # kept-alive connections instead of leaking their threads.
            def process_request(self, request: Any, client_address: Any) -> None:
                thread = threading.Thread(
                    target=self._serve_connection,
                    args=(request, client_address),
                    name="cpjobs-emulator-connection",
                    daemon=True,
                )
                with lock:
                    sockets.add(request)
                    threads.add(thread)
                thread.start()

            def _serve_connection(self, request: Any, client_address: Any) -> None:
                try:
                    self.process_request_thread(request, client_address)
                finally:
                    with lock:
                        sockets.discard(request)
                        threads.discard(threading.current_thread())

        self._lock = lock
        self._sockets = sockets
        self._threads = threads
        # werkzeug prints and exits when it cannot bind: bind here instead, so
        # a port in use is an OSError for the caller. werkzeug dups the socket.
        with socket.create_server((HOST, port)) as listener:
            self._server = Server(
                HOST, port, app, handler=_request_handler(), fd=listener.fileno()
            )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="cpjobs-emulator",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()  # serve_forever closes the listening socket
        self._thread.join()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        # One deadline for all: a thread still inside the app (an SQS long
        # poll, say) is a daemon and is left to finish on its own.
        deadline = time.monotonic() + _STOP_WAIT
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))


class _BoundedInput(io.RawIOBase):
    """A request body of known length, so what the app left can be skipped."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream = stream
        self.remaining = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        wanted = min(len(view), self.remaining)
        if wanted <= 0:
            return 0
        data = self._stream.read(wanted)
        view[: len(data)] = data
        self.remaining = 0 if not data else self.remaining - len(data)
        return len(data)


def _skip_rest(body: Any) -> None:
    """Read what the app left of a request body, so the next request can follow."""
    while body.read(_SKIP_CHUNK):
        pass


def _request_handler() -> type[WSGIRequestHandler]:
    """Moto's request handler (or werkzeug's), kept alive, without a log line per request.

    werkzeug's development server sends ``Connection: close`` with every
    answer, since http.server cannot skip a request body the app left
    unread. This handler wraps the body so the rest can be skipped after
    the answer, and drops that header: connections stay open for the next
    request (HTTP/1.1 keep-alive) unless the client asked otherwise.
    """
    from werkzeug.serving import DechunkedInput, WSGIRequestHandler

    werkzeug_app = importlib.import_module("moto.moto_server.werkzeug_app")
    # MotoRequestHandler keeps S3 metadata headers with underscores (newer moto).
    base: type[WSGIRequestHandler] = getattr(
        werkzeug_app, "MotoRequestHandler", WSGIRequestHandler
    )

    class KeptAlive(WSGIRequestHandler):
        # Headers and body go out in separate writes: without TCP_NODELAY a
        # kept-alive connection waits on the client's delayed ACK each call.
        disable_nagle_algorithm = True
        request_body: Any = None

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Stay quiet."""

        def make_environ(self) -> WSGIEnvironment:
            environ = super().make_environ()
            body = self.request_body
            if environ.get("wsgi.input_terminated"):  # chunked
                environ["wsgi.input"] = DechunkedInput(cast("IO[bytes]", body))
            else:
                try:
                    length = int(environ.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    length = 0
                environ["wsgi.input"] = _BoundedInput(body, max(length, 0))
            return environ

        def send_header(self, keyword: str, value: str) -> None:
            # Drop werkzeug's unconditional close; a close the client asked
            # for (or HTTP/1.0) is still announced.
            closing = keyword.lower() == "connection" and value.lower() == "close"
            if closing and not self.close_connection:
                return
            super().send_header(keyword, value)

        def run_wsgi(self) -> None:
            # After each answer werkzeug reads whatever the client sent next,
            # to discard it before the close it counts on: on a kept-alive
            # connection that is the next request. It reads nothing here;
            # the app reads the body through make_environ's stream.
            self.request_body = body = self.rfile
            self.rfile = io.BytesIO()
            try:
                super().run_wsgi()
            finally:
                self.rfile = body
            environ = getattr(self, "environ", None)
            if self.close_connection or environ is None:
                return
            try:
                _skip_rest(environ["wsgi.input"])
            except (OSError, ValueError):
                self.close_connection = True

    # Before moto's handler, whose make_environ it extends.
    return cast("type[WSGIRequestHandler]", type("Handler", (KeptAlive, base), {}))


def moto_app() -> WSGIApplication:
    """Return moto's own server application, as ``moto_server`` runs it."""
    app = importlib.import_module("moto.moto_server.werkzeug_app")
    return cast(
        "WSGIApplication", app.DomainDispatcherApplication(app.create_backend_app)
    )
