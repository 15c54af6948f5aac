"""A worker process for the scale test: works jobs until SIGTERM, prints its stats.

It prints ``ready`` once it polls (its SIGTERM handler is in place by then).

Usage: ``python scale_worker.py ENDPOINT REGION PROVIDER``
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

import attrs

from cpjobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    Job,
    JobContext,
    JobsClient,
    JobWorker,
    Polled,
    Success,
    WorkerEvent,
)


async def handler(job: Job, ctx: JobContext) -> Success:
    await asyncio.sleep(0.001)
    return Success(output_variables={"worker": str(os.getpid())})


async def main(endpoint: str, region: str, provider: str) -> None:
    action_type = ActionTypeId(
        category=ActionCategory.BUILD,
        owner=ActionOwner.CUSTOM,
        provider=provider,
        version="1",
    )
    client = JobsClient.create(
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    ready = False

    def on_event(event: WorkerEvent) -> None:
        # The first poll comes after the signal handlers are in place.
        nonlocal ready
        if not ready and isinstance(event, Polled):
            ready = True
            print("ready", flush=True)

    worker = JobWorker(
        client,
        action_type,
        handler,
        max_concurrency=8,
        owns_client=True,
        on_event=on_event,
    )
    await worker.run(handle_signals=True)
    print(json.dumps(attrs.asdict(worker.stats)), flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
