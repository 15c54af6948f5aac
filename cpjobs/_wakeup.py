"""Waking the poll loop from CodePipeline's events, read from an SQS queue.

CodePipeline publishes "CodePipeline Action Execution State Change" to
EventBridge when an action starts; a rule (`cpjobs.event_pattern`, or the
CloudFormation of `cpjobs.wakeup_template`) sends those of one action type
to an SQS queue. `EventWakeup` long-polls that queue and,
for a matching event, sets `EventWakeup.signal`: the poll loop, idle, polls
CodePipeline at once. Events are hints: the loop still polls on its own.

Workers sharing one queue do not stampede: SQS hands each message to one
receiver (the others do not see it while it is invisible), so one event
wakes one worker. That worker polls once for all its free slots; messages
received together wake one poll, and a worker without a free slot receives
none (they stay with the workers that have room). A message is deleted once
a poll that began after it arrived has been answered; if the worker dies
first, the message becomes visible again and wakes another worker.

Messages that are not a matching event (malformed, another action type,
another state) are logged at debug and deleted: kept, they would come back
after every visibility timeout and wake nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, cast

from ._client import JobsClient
from ._eventrule import DETAIL_TYPE, SOURCE, event_pattern
from ._events import Recorder, WakeupFailed, Woken
from ._models import ActionTypeId
from ._options import Settings
from ._redact import describe

if TYPE_CHECKING:
    from types_aiobotocore_sqs.client import SQSClient

__all__ = ["EventWakeup", "matches"]

logger = logging.getLogger("cpjobs.worker")

#: SQS's longest wait for a message, and most messages per receive.
_LONG_POLL: Final = 20
_MAX_MESSAGES: Final = 10


def matches(body: str, action_type_id: ActionTypeId) -> bool:
    """Whether an SQS message body is a STARTED event of ``action_type_id``."""
    try:
        event: object = json.loads(body)
    except ValueError:
        return False
    if not isinstance(event, dict):
        return False
    fields = cast("dict[str, object]", event)
    detail = fields.get("detail")
    if (
        fields.get("source") != SOURCE
        or fields.get("detail-type") != DETAIL_TYPE
        or not isinstance(detail, dict)
    ):
        return False
    members = cast("dict[str, object]", detail)
    wanted = event_pattern(action_type_id)["detail"]["type"]
    return members.get("state") == "STARTED" and members.get("type") == {
        key: values[0] for key, values in wanted.items()
    }


class EventWakeup:
    """Reads the queue in a task of its own and wakes the poll loop.

    Args:
        queue_url: The SQS queue the rule feeds.
        action_type_id: The worker's action type: other events are dropped.
        client: Whose region, endpoint and credentials make the SQS client.
        sqs_client: An SQS client to use instead (not closed here).
        settings: The backoff after failed receives, the sleep and rng.
        recorder: Counts wake-ups and receive errors, and tells of them.
    """

    def __init__(
        self,
        *,
        queue_url: str,
        action_type_id: ActionTypeId,
        client: JobsClient,
        sqs_client: SQSClient | None,
        settings: Settings,
        recorder: Recorder,
    ) -> None:
        self._queue_url = queue_url
        self._action_type_id = action_type_id
        self._client = client
        self._sqs_client = sqs_client
        self._settings = settings
        self._recorder = recorder
        #: Set when the poll loop should poll now; cleared when a poll starts.
        self.signal = asyncio.Event()
        #: Whether the last receive worked: the loop idles longer then.
        self.healthy = True
        self._polls_started = 0
        self._polls_answered = 0
        self._answered = asyncio.Event()

    # --- what the poll loop calls -------------------------------------------------

    def poll_starting(self) -> int:
        """A poll starts: clear the signal; return the poll's number."""
        self.signal.clear()
        self._polls_started += 1
        return self._polls_started

    def poll_answered(self, number: int) -> None:
        """Poll ``number`` was answered: the events before it are acted on."""
        if number > self._polls_answered:
            self._polls_answered = number
            self._answered.set()

    # --- the task -------------------------------------------------------------------

    async def run(self, room: Callable[[], Awaitable[int]]) -> None:
        """Receive, wake, delete, until cancelled.

        Args:
            room: Waits until the worker has a free slot; returns how many.
        """
        misses = 0
        while True:
            try:
                async with self._sqs() as sqs:
                    while True:
                        free = await room()
                        messages = await self._receive(sqs, free)
                        misses = 0
                        self._healthy_again()
                        if messages:
                            await self._act_on(sqs, messages)
            except Exception as error:
                # Making the client, or a receive: botocore's errors, or
                # anything an SQS client given by the user raises.
                misses += 1
                await self._failed(error, misses)

    @contextlib.asynccontextmanager
    async def _sqs(self) -> AsyncGenerator[Any]:
        if self._sqs_client is not None:
            yield self._sqs_client
            return
        async with self._client.sibling("sqs") as sqs:
            yield sqs

    async def _receive(self, sqs: Any, free: int) -> list[Mapping[str, Any]]:
        response = await sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=min(free, _MAX_MESSAGES),
            WaitTimeSeconds=_LONG_POLL,
        )
        messages: list[Mapping[str, Any]] = response.get("Messages", [])
        return messages

    async def _act_on(self, sqs: Any, messages: list[Mapping[str, Any]]) -> None:
        """Wake one poll for the matching messages; delete all once it is answered."""
        wanted = [
            m for m in messages if matches(m.get("Body", ""), self._action_type_id)
        ]
        dropped = len(messages) - len(wanted)
        if dropped:
            logger.debug("dropping %d queue messages that are not wanted", dropped)
        if wanted:
            self._recorder.counters.wakeups += 1
            if self._recorder.listening:
                self._recorder.emit(Woken(events=len(wanted), dropped=dropped))
            waiting_for = self._polls_started + 1
            self.signal.set()
            while self._polls_answered < waiting_for:
                self._answered.clear()
                await self._answered.wait()
        await self._delete(sqs, messages)

    async def _delete(self, sqs: Any, messages: list[Mapping[str, Any]]) -> None:
        entries = [
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
            for index, message in enumerate(messages)
        ]
        try:
            response = await sqs.delete_message_batch(
                QueueUrl=self._queue_url, Entries=entries
            )
        except Exception as error:
            # Left in the queue, they come back as duplicates: harmless hints.
            logger.warning("deleting queue messages failed: %s", describe(error))
            return
        if response.get("Failed"):
            logger.warning("deleting %d queue messages failed", len(response["Failed"]))

    async def _failed(self, error: Exception, misses: int) -> None:
        """Count a failed receive, fall back to plain polling, wait, retry."""
        self._recorder.counters.wakeup_errors += 1
        delay = self._settings.poll_backoff.delay(misses - 1, self._settings.rng)
        logger.warning(
            "reading the event queue failed, polling on a timer; next read in %.2fs: %s",
            delay,
            describe(error),
        )
        if self._recorder.listening:
            self._recorder.emit(WakeupFailed(error=error, delay=delay))
        if self.healthy:
            self.healthy = False
            # The loop may be idling for the long ceiling: let it choose again.
            self.signal.set()
        await self._settings.sleep(delay)

    def _healthy_again(self) -> None:
        if not self.healthy:
            logger.info("reading the event queue again")
            self.healthy = True
