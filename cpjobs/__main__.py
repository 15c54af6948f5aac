"""``python -m cpjobs``: the command line (``demo``)."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import sys
from collections.abc import Sequence

#: What the embedded emulator runs on (the ``testing`` extra).
_DEMO_NEEDS = ("moto", "werkzeug", "boto3")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m cpjobs",
        description="Typed asyncio toolkit for AWS CodePipeline job workers.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="run a JobWorker on the embedded emulator (needs cpjobs[testing])",
    )
    demo.add_argument("--jobs", type=int, default=24, help="jobs to queue (24)")
    demo.add_argument(
        "--concurrency", type=int, default=8, help="jobs in flight at once (8)"
    )
    args = parser.parse_args(argv)

    missing = [name for name in _DEMO_NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        print(
            "the demo needs the testing extra: pip install 'cpjobs[testing]'"
            f" (missing: {', '.join(missing)})",
            file=sys.stderr,
        )
        return 2
    from ._demo import run_demo

    try:
        return asyncio.run(run_demo(jobs=args.jobs, concurrency=args.concurrency))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
