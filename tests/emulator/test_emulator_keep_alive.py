"""HTTP/1.1 keep-alive: one connection serves many calls, and stop() ends it."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiobotocore.session import get_session
from botocore.exceptions import ClientError, EndpointConnectionError
from emulator_helpers import BUILD, BUILD_WIRE, NO_RETRIES, client_kwargs, error_of

from cpjobs.testing import CodePipelineEmulator

LIST = {
    "X-Amz-Target": "CodePipeline_20150709.ListActionTypes",
    "Content-Type": "application/x-amz-json-1.1",
}


@pytest.fixture
def connection(emulator: CodePipelineEmulator) -> Iterator[http.client.HTTPConnection]:
    """One plain HTTP/1.1 connection to the emulator."""
    host, port = emulator.endpoint_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    yield connection
    connection.close()


def call(
    connection: http.client.HTTPConnection, *args: Any, **kwargs: Any
) -> tuple[int, str | None, tuple[str, int]]:
    """Send one request; return status, Connection header and local address."""
    connection.request(*args, **kwargs)
    response = connection.getresponse()
    response.read()
    assert connection.sock is not None
    return (
        response.status,
        response.getheader("Connection"),
        connection.sock.getsockname(),
    )


def list_action_types(connection: http.client.HTTPConnection) -> Any:
    return call(connection, "POST", "/", body=b"{}", headers=LIST)


def test_calls_share_one_connection(connection: http.client.HTTPConnection) -> None:
    """Three calls in a row go over one connection, none answered with a close."""
    answers = [list_action_types(connection) for _ in range(3)]

    assert [(200, None)] * 3 == [answer[:2] for answer in answers]
    assert 1 == len({answer[2] for answer in answers})


def test_unread_body_does_not_break_the_next_call(
    emulator: CodePipelineEmulator, connection: http.client.HTTPConnection
) -> None:
    """A refused upload's body is skipped; the next call on the connection works."""
    first = list_action_types(connection)
    refused = call(
        connection,
        "PUT",
        f"/{emulator.artifact_bucket}/key",
        body=b"x" * 300_000,
        headers={"Authorization": "AWS AKIDNOTAJOB:signature"},
    )
    after = list_action_types(connection)

    assert (403, 200) == (refused[0], after[0])
    assert first[2] == after[2]


def test_unread_chunked_body_does_not_break_the_next_call(
    emulator: CodePipelineEmulator, connection: http.client.HTTPConnection
) -> None:
    """The same for a body sent with Transfer-Encoding: chunked."""
    refused = call(
        connection,
        "PUT",
        f"/{emulator.artifact_bucket}/key",
        body=iter([b"a" * 70_000, b"b" * 10]),
        encode_chunked=True,
        headers={
            "Authorization": "AWS AKIDNOTAJOB:signature",
            "Transfer-Encoding": "chunked",
        },
    )

    assert (403, 200) == (refused[0], list_action_types(connection)[0])


def test_a_client_asking_to_close_is_answered_with_close(
    connection: http.client.HTTPConnection,
) -> None:
    """Connection: close from the client is honoured and announced."""
    connection.request("POST", "/", body=b"{}", headers={**LIST, "Connection": "close"})
    response = connection.getresponse()
    response.read()

    assert (200, "close") == (response.status, response.getheader("Connection"))


def connection_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("cpjobs-emulator")}


async def test_stop_ends_connections_an_open_aiobotocore_client_keeps() -> None:
    """stop() ends kept-alive connections of a client still open, and their threads."""
    before = connection_threads()
    serving = contextlib.AsyncExitStack()
    emulator = await serving.enter_async_context(CodePipelineEmulator.aserve())
    async with get_session().create_client(
        "codepipeline", config=NO_RETRIES, **client_kwargs(emulator)
    ) as client:
        await asyncio.gather(*(client.list_action_types() for _ in range(4)))
        kept = connection_threads() - before
        await serving.aclose()
        left = connection_threads() - before
        with pytest.raises(EndpointConnectionError):
            await client.list_action_types()

    assert kept
    assert set() == left


async def test_reset_ends_a_held_call_and_the_connection_goes_on(
    emulator: CodePipelineEmulator,
) -> None:
    """A call held by a latency ends with 503 at reset; the client keeps working."""
    emulator.register_action_type(BUILD)
    emulator.inject_latency("PollForJobs", seconds=60)
    async with get_session().create_client(
        "codepipeline", config=NO_RETRIES, **client_kwargs(emulator)
    ) as client:
        held = asyncio.create_task(client.poll_for_jobs(actionTypeId=BUILD_WIRE))
        # The emulator has no event to await; its call count is polled.
        while not emulator.calls("PollForJobs"):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        await asyncio.to_thread(emulator.reset)
        with pytest.raises(ClientError) as raised:
            await held
        emulator.register_action_type(BUILD)
        after = await client.poll_for_jobs(actionTypeId=BUILD_WIRE)

    assert ("ServiceUnavailableException", 503) == error_of(raised.value)
    assert [] == after["jobs"]
