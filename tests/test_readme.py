"""The README's worker example works as written."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import cpjobs
from cpjobs import JobsClient, JobStatus, JobWorker
from cpjobs.testing import CodePipelineEmulator

ROOT = Path(__file__).parent.parent
#: The line that runs the README's worker until SIGTERM.
RUN_FOREVER = "asyncio.run(main())"


def block_after(document: str, heading: str) -> str:
    """The first Python code block in the section ``heading`` of ``document``."""
    section = (ROOT / document).read_text().split(f"\n## {heading}\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, f"no Python block under {heading!r}"
    return match.group(1)


def worker_example() -> str:
    """The README's worker example."""
    return block_after("README.md", "A worker in a few lines")


def test_readme_worker_example_imports_public_names() -> None:
    """The README's worker example compiles and imports only public cpjobs names."""
    tree = ast.parse(worker_example())
    imported = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "cpjobs"
        for alias in node.names
    ]

    assert [] == [name for name in imported if name not in cpjobs.__all__]
    assert "JobWorker" in imported


async def test_readme_worker_example_handler_reports(
    emulator: CodePipelineEmulator, jobs_client: JobsClient
) -> None:
    """The README's handler, run by a worker, succeeds a configured job, fails the other."""
    source = worker_example().rstrip()
    assert source.endswith(RUN_FOREVER)
    namespace: dict[str, Any] = {}
    exec(compile(source.removesuffix(RUN_FOREVER), "README.md", "exec"), namespace)
    action = namespace["ACTION"]
    configured = emulator.enqueue_job(action, configuration={"ProjectName": "web"})
    unconfigured = emulator.enqueue_job(action)

    await JobWorker(jobs_client, action, namespace["build"], burst=True).run()

    success = emulator.job(configured).success
    assert success is not None
    assert {"Project": "web"} == success.output_variables
    failed = emulator.job(unconfigured)
    assert JobStatus.FAILED == failed.status
    assert failed.failure_details is not None
    assert "ProjectName is not configured" == failed.failure_details.message
