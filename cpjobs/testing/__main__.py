"""``python -m cpjobs.testing``: ``serve`` the emulator; ``enqueue``, ``jobs``, ``job`` on it."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from ._commands import DEFAULT_PORT, OneLineParser, add_commands, run_command
from ._emulator import CodePipelineEmulator, check_region


def _port(text: str) -> int:
    """A TCP port, or 0 for any free one."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port: use 1 to 65535, or 0 for any free port"
        )
    return port


def _region(text: str) -> str:
    try:
        return check_region(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = OneLineParser(
        prog="python -m cpjobs.testing",
        description="A local CodePipeline job-worker emulator on moto, on 127.0.0.1.",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=OneLineParser
    )
    serve = commands.add_parser("serve", help="serve until Ctrl-C or SIGTERM")
    serve.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"default {DEFAULT_PORT}, where the other commands look; 1-65535, "
        "or 0 for any free port",
    )
    serve.add_argument("--region", type=_region, default="us-east-1")
    serve.add_argument(
        "--succeed-aws-actions",
        action="store_true",
        help="in pipelines, let AWS-owned actions other than S3 sources succeed at once",
    )
    add_commands(commands)
    args = parser.parse_args(argv)
    if args.command != "serve":
        return run_command(args)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with contextlib.ExitStack() as running:
        try:
            emulator = running.enter_context(
                CodePipelineEmulator.serve(
                    port=args.port,
                    region=args.region,
                    succeed_aws_actions=args.succeed_aws_actions,
                )
            )
        except OSError as error:
            print(
                f"error: cannot listen on 127.0.0.1:{args.port}: {error.strerror}",
                file=sys.stderr,
            )
            return 1
        print(emulator.endpoint_url, flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
