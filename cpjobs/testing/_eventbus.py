"""The emulator's action events, put to moto's EventBridge as CodePipeline's are.

CodePipeline sends "CodePipeline Action Execution State Change" to the
default event bus when an action starts (``STARTED``) and when it ends
(``SUCCEEDED``, ``FAILED``). `EventBus` does the same for the emulator's
jobs: a job queued is an action started, unless it continues an earlier
job; a job reported is an action ended, unless it asked to continue. A
job that times out ends its action as ``FAILED``.

The service calls `EventBus.queued` and `EventBus.ended` under its lock;
they only put the event on a queue. A thread of the bus's own sends them
with ``events:PutEvents`` over HTTP to the emulator's endpoint, ten at a
time, so rules and their SQS targets on moto's server deliver them like
EventBridge does. Sending is best effort, as EventBridge's delivery is: an
event moto refuses is logged and dropped.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from .._eventrule import DETAIL_TYPE, SOURCE
from .._models import JobStatus
from ._records import JobRecord

__all__ = ["EventBus", "action_event"]

logger = logging.getLogger("cpjobs.testing")

#: PutEvents takes at most ten entries.
_BATCH: Final = 10
_STATES: Final = {
    JobStatus.SUCCEEDED: "SUCCEEDED",
    JobStatus.FAILED: "FAILED",
    JobStatus.TIMED_OUT: "FAILED",
}

Entry = Mapping[str, Any]


def action_event(record: JobRecord, state: str, region: str) -> dict[str, Any]:
    """The ``detail`` of a job's action event, as CodePipeline writes it."""
    context = record.pipeline_context
    action_type_id = record.action_type_id
    return {
        "pipeline": context.pipeline_name,
        "version": 1,
        "execution-id": context.pipeline_execution_id,
        "stage": None if context.stage is None else context.stage.name,
        "action": None if context.action is None else context.action.name,
        "state": state,
        "region": region,
        "type": {
            "owner": action_type_id.owner.value,
            "category": action_type_id.category.value,
            "provider": action_type_id.provider,
            "version": action_type_id.version,
        },
    }


class EventBus:
    """Queues the service's job changes as action events; a thread sends them.

    Args:
        region: The region the events name.
        put_events: Sends up to ten ``PutEvents`` entries (boto3's
            ``put_events(Entries=...)``, say); called on the bus's thread.
    """

    def __init__(
        self, region: str, put_events: Callable[[Sequence[Entry]], object]
    ) -> None:
        self._region = region
        self._put_events = put_events
        self._pending: queue.Queue[Entry | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        #: Events sent, by state, for tests and benchmarks.
        self.sent = 0

    # --- the service's listeners ------------------------------------------------

    def queued(self, record: JobRecord) -> None:
        """A job was queued: its action started, unless it continues another job."""
        if record.previous_job_id is None:
            self._put(record, "STARTED")

    def ended(self, record: JobRecord) -> None:
        """A job ended: its action did too, unless the job asked to continue."""
        if record.next_job_id is None:
            self._put(record, _STATES[record.status])

    def _put(self, record: JobRecord, state: str) -> None:
        context = record.pipeline_context
        detail = action_event(record, state, self._region)
        self._pending.put(
            {
                "Source": SOURCE,
                "DetailType": DETAIL_TYPE,
                "Detail": json.dumps(detail),
                "Resources": [context.pipeline_arn] if context.pipeline_arn else [],
            }
        )

    # --- the thread ---------------------------------------------------------------

    def start(self) -> None:
        """Start sending on a thread of its own."""
        self._thread = threading.Thread(
            target=self._send_all, name="cpjobs-emulator-events", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Send what is queued, then end the thread."""
        if self._thread is None:
            return
        self._pending.put(None)  # the end
        self._thread.join()
        self._thread = None

    def flush(self) -> None:
        """Wait until every event queued so far is sent (or dropped)."""
        self._pending.join()

    def _send_all(self) -> None:
        while True:
            batch = self._next_batch()
            entries = [entry for entry in batch if entry is not None]
            try:
                if entries:
                    self._send(entries)
            finally:
                for _ in batch:
                    self._pending.task_done()
            if len(entries) < len(batch):
                return

    def _next_batch(self) -> list[Entry | None]:
        """The next event (waiting for it), and those queued behind it, up to ten."""
        batch = [self._pending.get()]
        while len(batch) < _BATCH and batch[-1] is not None:
            try:
                batch.append(self._pending.get_nowait())
            except queue.Empty:
                break
        return batch

    def _send(self, entries: Sequence[Entry]) -> None:
        try:
            self._put_events(entries)
        except Exception as error:
            logger.warning("putting %d action events failed: %s", len(entries), error)
            return
        self.sent += len(entries)
