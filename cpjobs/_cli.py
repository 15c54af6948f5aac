"""The ``cpjobs`` command (also ``python -m cpjobs``): subcommands over argparse.

A command imports what only it uses when it runs: ``cpjobs check``, a
health probe run every few seconds, loads no AWS client.
"""

from __future__ import annotations

import argparse
import asyncio
import enum
import importlib.util
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from botocore.exceptions import ProfileNotFound

from ._errors import (
    ActionTypeConflict,
    CPJobsError,
    CredentialsError,
    InvalidField,
)
from ._eventrule import event_pattern, wakeup_template
from ._logging import configure_logging
from ._models import ActionOwner, ActionTypeId, PollForThirdPartyJobsInput
from ._run import (
    SetupError,
    TargetError,
    WorkerSetup,
    check_spec,
    load_target,
    make_worker,
)
from ._supervisor import Supervisor, child_command

if TYPE_CHECKING:
    from ._client import JobsClient
    from ._models import ActionType
    from ._options import WorkerOptions

__all__ = ["ExitCode", "main", "parse_action_type_id"]

#: What ``demo`` and ``emulator serve`` run on (the ``testing`` extra).
_TESTING_NEEDS = ("moto", "werkzeug", "boto3")
ENV_PREFIX = "CPJOBS_"
EPILOG = """\
Every option can also be set with an environment variable named after it:
--endpoint-url is CPJOBS_ENDPOINT_URL, --max-age is CPJOBS_MAX_AGE. The
command line wins.

exit codes:
  0   done
  1   the command ran and said no: a stale health file, action-type register
      with a definition that conflicts with the registered one, an error
      from the service
  2   bad arguments
  3   bad configuration: an invalid spec, an environment variable that does
      not parse, no credentials; run --spec when the action type is not
      registered or differs from the spec
  4   run: the import path names no handler or worker factory
  70  a crash (a bug): the traceback is printed; run --processes: children
      kept crashing
"""


class ExitCode(enum.IntEnum):
    """The exit codes of the ``cpjobs`` command."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    CONFIGURATION = 3
    TARGET = 4
    CRASH = 70


class ConfigurationError(Exception):
    """A setting that cannot work: reported in one line, exit code 3."""


class _UsageError(Exception):
    """Bad arguments found after parsing: one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message} (see --help)\n")


def env_name(option: str) -> str:
    """The environment variable of an option: ``--max-age`` is ``CPJOBS_MAX_AGE``."""
    return ENV_PREFIX + option.lstrip("-").replace("-", "_").upper()


def add_option(
    parser: argparse.ArgumentParser,
    option: str,
    *,
    help: str,
    type: Callable[[str], Any] = str,
    default: Any = None,
    **kwargs: Any,
) -> None:
    """Add ``option``, defaulting to its ``CPJOBS_*`` variable, then ``default``."""
    variable = env_name(option)
    raw = os.environ.get(variable)
    if raw is not None:
        try:
            default = type(raw)
        except (TypeError, ValueError, argparse.ArgumentTypeError) as error:
            raise ConfigurationError(f"{variable}={raw!r}: {error}") from None
    shown = f"{default}" if default is not None else "not set"
    if kwargs.get("action") != "store_true":
        kwargs["type"] = type
    parser.add_argument(
        option,
        default=default,
        help=f"{help} (env {variable}; {shown})",
        **kwargs,
    )


def _number_in(
    convert: Callable[[str], float], low: float, high: float, what: str
) -> Callable[[str], Any]:
    """An argparse type: a number from ``low`` to ``high``, else a clear error."""

    def parse(text: str) -> float:
        try:
            value = convert(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    return parse


_seconds = _number_in(float, 1e-3, float("inf"), "a positive number of seconds")
_grace = _number_in(float, 0, float("inf"), "a number of seconds >= 0")
_count = _number_in(int, 1, sys.maxsize, "a whole number >= 1")
_port = _number_in(int, 0, 65535, "a port (0-65535)")


def _action_type_id(text: str) -> ActionTypeId:
    try:
        return parse_action_type_id(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def parse_action_type_id(text: str) -> ActionTypeId:
    """``Category/Owner/Provider/Version`` as an `ActionTypeId`.

    Raises:
        ValueError: Not four parts, or a part breaks the service's limits.
    """
    parts = text.split("/")
    if len(parts) != 4 or not all(parts):
        raise ValueError(f"{text!r} is not CATEGORY/OWNER/PROVIDER/VERSION")
    category, owner, provider, version = parts
    action_type_id = ActionTypeId(
        category=category, owner=owner, provider=provider, version=version
    )
    # The same checks as when it is sent.
    PollForThirdPartyJobsInput(action_type_id=action_type_id)
    return action_type_id


def _format_id(action_type_id: ActionTypeId) -> str:
    return "/".join(
        (
            action_type_id.category,
            action_type_id.owner,
            action_type_id.provider,
            action_type_id.version,
        )
    )


# --- the parser ----------------------------------------------------------------


def build_parser(prog: str = "cpjobs") -> argparse.ArgumentParser:
    """The ``cpjobs`` parser; each command sets ``handler`` to what runs it."""
    parser = _Parser(
        prog=prog,
        description="Typed asyncio toolkit for AWS CodePipeline job workers.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run(commands)
    _add_action_type(commands)
    _add_check(commands)
    _add_demo(commands)
    _add_emulator(commands)
    return parser


_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(text: str) -> str:
    if text.upper() not in _LEVELS:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(_LEVELS)}")
    return text.upper()


def _add_log_options(parser: argparse.ArgumentParser) -> None:
    """Logging options, on every command so they may follow it."""
    add_option(
        parser,
        "--log-format",
        choices=["text", "json"],
        default="text",
        help="logs on stderr as text with the job's fields, or JSON lines",
    )
    add_option(
        parser,
        "--log-level",
        type=_log_level,
        default="WARNING",
        help="the level -v and -q count from",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more logs: -v, -vv"
    )
    parser.add_argument(
        "-q", "--quiet", action="count", default=0, help="fewer logs: -q, -qq"
    )


def _level(args: argparse.Namespace) -> int:
    level = logging.getLevelNamesMapping()[args.log_level]
    shifted: int = level + 10 * (args.quiet - args.verbose)
    return min(max(shifted, logging.DEBUG), logging.CRITICAL)


def _add_aws_options(parser: argparse.ArgumentParser) -> None:
    add_option(parser, "--region", help="AWS region")
    add_option(
        parser, "--endpoint-url", help="CodePipeline endpoint, e.g. an emulator's"
    )
    add_option(parser, "--profile", help="AWS profile")


def _flag(text: str) -> bool:
    """An environment flag: 1/true/yes/on or 0/false/no/off."""
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off", ""):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is not true or false")


def _query_param(text: str) -> dict[str, str]:
    key, equals, value = text.partition("=")
    if not equals or not key or not value:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return {key: value}


def _add_run(commands: Any) -> None:
    run = commands.add_parser(
        "run",
        help="run a worker: a handler by import path, or a function building one",
        description="Poll for jobs and hand them to TARGET until SIGTERM or SIGINT"
        " (a second signal cuts the grace short). TARGET is pkg.module:name: an"
        " async handler(job, ctx), with --action or --spec naming its action"
        " type, or a function build(client, options) returning a JobWorker or"
        " ThirdPartyJobWorker (a plain function; options are this command's worker"
        " options, to pass on).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "target",
        metavar="TARGET",
        nargs="?",
        default=os.environ.get(env_name("--target")),
        help=f"pkg.module:handler or pkg.module:build (env {env_name('--target')})",
    )
    add_option(
        run,
        "--action",
        metavar="CATEGORY/OWNER/PROVIDER/VERSION",
        type=_action_type_id,
        help="the handler's action type, e.g. Build/Custom/Lint/1",
    )
    add_option(
        run,
        "--spec",
        type=Path,
        help="the action type's spec file: checked against what is registered at"
        " start; names the action type when --action is not given",
    )
    add_option(
        run, "--concurrency", type=_count, default=8, help="jobs in flight at once"
    )
    add_option(
        run,
        "--shutdown-grace",
        type=_grace,
        default=20.0,
        help="seconds jobs in flight get to finish after SIGTERM",
    )
    add_option(
        run,
        "--query-param",
        metavar="KEY=VALUE",
        type=_query_param,
        help="only jobs whose configuration has this pair (Custom action types)",
    )
    add_option(
        run,
        "--client-tokens",
        metavar="FILE|env:VARIABLE",
        help="a ThirdParty action type's client tokens: a JSON object of client id"
        " to token, in a file or an environment variable",
    )
    add_option(
        run,
        "--processes",
        type=_count,
        default=1,
        help="worker processes, restarted after a crash",
    )
    add_option(
        run,
        "--burst",
        type=_flag,
        default=False,
        action="store_true",
        help="exit once the queue is empty and the jobs in flight are reported",
    )
    add_option(
        run,
        "--health-file",
        type=Path,
        help="touched every second while the worker runs; see cpjobs check",
    )
    add_option(
        run,
        "--wakeup-queue-url",
        metavar="URL",
        help="an SQS queue fed with the action type's STARTED events (see"
        " action-type events): an idle worker polls as soon as one arrives",
    )
    _add_aws_options(run)
    _add_log_options(run)
    run.set_defaults(handler=_run)


def _add_action_type(commands: Any) -> None:
    action_type = commands.add_parser(
        "action-type",
        help="register, list, show or delete custom action types; their events",
    )
    verbs = action_type.add_subparsers(dest="verb", required=True, metavar="VERB")

    register = verbs.add_parser(
        "register",
        help="create a custom action type from a spec file, unless it exists as is",
        description="Create the action type of a TOML or JSON spec (the"
        " CreateCustomActionType request's members). An identical type is left"
        " alone; a different definition of a registered version is refused.",
    )
    register.add_argument("spec", type=Path, help="the spec file (.toml or .json)")
    add_option(
        register,
        "--emit",
        choices=["cloudformation"],
        help="print the spec as a CloudFormation template instead of registering",
    )
    _add_aws_options(register)
    _add_log_options(register)
    register.set_defaults(handler=_register)

    events = verbs.add_parser(
        "events",
        help="print the EventBridge rule and SQS queue that wake workers",
        description="Print CloudFormation for an SQS queue fed by an EventBridge"
        " rule with the STARTED events of an action type, for the workers'"
        " wakeup_queue_url; or just the rule's event pattern.",
    )
    which = events.add_mutually_exclusive_group(required=True)
    which.add_argument("spec", type=Path, nargs="?", help="the spec file")
    which.add_argument(
        "--action",
        metavar="CATEGORY/OWNER/PROVIDER/VERSION",
        type=_action_type_id,
        help="the action type instead of a spec, e.g. Test/Custom/Lint/1",
    )
    add_option(
        events,
        "--emit",
        choices=["cloudformation", "pattern"],
        default="cloudformation",
        help="what to print",
    )
    _add_log_options(events)
    events.set_defaults(handler=_events)

    listing = verbs.add_parser("list", help="list action types")
    add_option(
        listing,
        "--owner",
        choices=[owner.value for owner in ActionOwner],
        default=ActionOwner.CUSTOM.value,
        help="whose action types",
    )
    _add_aws_options(listing)
    _add_log_options(listing)
    listing.set_defaults(handler=_list)

    for name, handler, summary in (
        ("show", _show, "print an action type as a JSON spec"),
        ("delete", _delete, "delete a version of a custom action type (for good)"),
    ):
        verb = verbs.add_parser(name, help=summary)
        verb.add_argument(
            "action_type_id",
            metavar="CATEGORY/OWNER/PROVIDER/VERSION",
            type=_action_type_id,
            help="e.g. Test/Custom/Lint/1",
        )
        _add_aws_options(verb)
        _add_log_options(verb)
        verb.set_defaults(handler=handler)


def _add_check(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="exit 0 if a worker's heartbeat file is fresh, 1 if not",
        description="For Docker HEALTHCHECK and Kubernetes exec probes.",
    )
    add_option(
        check, "--health-file", type=Path, required=False, help="the heartbeat file"
    )
    add_option(
        check,
        "--max-age",
        type=_seconds,
        default=60.0,
        help="seconds since the last touch that still count as alive",
    )
    _add_log_options(check)
    check.set_defaults(handler=_check)


def _add_demo(commands: Any) -> None:
    demo = commands.add_parser(
        "demo", help="run a JobWorker on the embedded emulator (needs cpjobs[testing])"
    )
    add_option(demo, "--jobs", type=_count, default=24, help="jobs to queue")
    add_option(
        demo, "--concurrency", type=_count, default=8, help="jobs in flight at once"
    )
    _add_log_options(demo)
    demo.set_defaults(handler=_demo)


def _add_emulator(commands: Any) -> None:
    emulator = commands.add_parser(
        "emulator", help="the local CodePipeline emulator (needs cpjobs[testing])"
    )
    verbs = emulator.add_subparsers(dest="verb", required=True, metavar="VERB")
    serve = verbs.add_parser(
        "serve", help="serve on 127.0.0.1 until Ctrl-C or SIGTERM; prints the URL"
    )
    add_option(serve, "--port", type=_port, default=0, help="0 picks a free port")
    add_option(serve, "--region", default="us-east-1", help="the emulated region")
    _add_log_options(serve)
    serve.set_defaults(handler=_emulator_serve)


# --- the commands ----------------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    if args.target is None:
        raise _UsageError("run: TARGET is required (pkg.module:handler)")
    # Like `python -m`: modules in the working directory import (a console
    # script's sys.path starts with its own directory instead).
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    from ._action_types import ActionTypeSpec

    target = load_target(args.target)
    spec = ActionTypeSpec.load(args.spec) if args.spec is not None else None
    action_type_id: ActionTypeId | None = args.action
    if spec is not None:
        if action_type_id is not None and action_type_id != spec.action_type_id:
            raise ConfigurationError("--action and --spec name other action types")
        action_type_id = spec.action_type_id
    options: WorkerOptions = {
        "max_concurrency": args.concurrency,
        "shutdown_grace": args.shutdown_grace,
        "burst": args.burst,
        "health_file": args.health_file,
        "wakeup_queue_url": args.wakeup_queue_url,
    }
    setup = WorkerSetup(
        target,
        action_type_id,
        options,
        query_param=args.query_param,
        client_tokens=args.client_tokens,
    )
    if args.processes > 1:
        return Supervisor(child_command(args.run_argv), args.processes).run()

    async def work(client: JobsClient) -> ExitCode:
        if spec is not None:
            await check_spec(client, spec)
        worker = await make_worker(client, setup)
        await worker.run()
        return ExitCode.OK

    return _with_client(args, work)


def _client(args: argparse.Namespace) -> JobsClient:
    from ._client import JobsClient

    session = None
    if args.profile:
        from aiobotocore.session import AioSession

        session = AioSession(profile=args.profile)
    return JobsClient.create(
        region_name=args.region, endpoint_url=args.endpoint_url, session=session
    )


def _with_client(
    args: argparse.Namespace, use: Callable[[JobsClient], Awaitable[ExitCode]]
) -> ExitCode:
    async def run() -> ExitCode:
        try:
            async with _client(args) as client:
                return await use(client)
        except ProfileNotFound as error:
            raise ConfigurationError(str(error)) from None

    return asyncio.run(run())


def _register(args: argparse.Namespace) -> ExitCode:
    from ._action_types import (
        ActionTypeSpec,
        cloudformation_template,
        register_action_type,
    )

    spec = ActionTypeSpec.load(args.spec)
    if args.emit == "cloudformation":
        print(json.dumps(cloudformation_template(spec), indent=2))
        return ExitCode.OK

    async def register(client: JobsClient) -> ExitCode:
        outcome = await register_action_type(client, spec)
        print(f"{outcome}: {_format_id(spec.action_type_id)}")
        return ExitCode.OK

    return _with_client(args, register)


def _events(args: argparse.Namespace) -> ExitCode:
    from ._action_types import ActionTypeSpec

    action_type_id: ActionTypeId = (
        args.action or ActionTypeSpec.load(args.spec).action_type_id
    )
    if args.emit == "pattern":
        print(json.dumps(event_pattern(action_type_id), indent=2))
    else:
        print(json.dumps(wakeup_template(action_type_id), indent=2))
    return ExitCode.OK


def _list(args: argparse.Namespace) -> ExitCode:
    async def list_(client: JobsClient) -> ExitCode:
        async for action_type in client.action_types(action_owner_filter=args.owner):
            print(_format_id(action_type.id))
        return ExitCode.OK

    return _with_client(args, list_)


def _spec_of(action_type: ActionType) -> dict[str, Any]:
    """An action type as a spec file's members (what ``register`` reads)."""
    from ._converter import converter

    identity = converter.unstructure(action_type.id)
    described: dict[str, Any] = converter.unstructure(action_type)
    members = {key: identity[key] for key in ("category", "provider", "version")}
    if "settings" in described:
        members["settings"] = described["settings"]
    if "actionConfigurationProperties" in described:
        members["configurationProperties"] = described["actionConfigurationProperties"]
    members["inputArtifactDetails"] = described["inputArtifactDetails"]
    members["outputArtifactDetails"] = described["outputArtifactDetails"]
    return members


def _show(args: argparse.Namespace) -> ExitCode:
    from ._action_types import find_action_type

    async def show(client: JobsClient) -> ExitCode:
        action_type = await find_action_type(client, args.action_type_id)
        if action_type is None:
            _say(f"{_format_id(args.action_type_id)} is not registered")
            return ExitCode.FAILURE
        print(json.dumps(_spec_of(action_type), indent=2))
        return ExitCode.OK

    return _with_client(args, show)


def _delete(args: argparse.Namespace) -> ExitCode:
    action_type_id: ActionTypeId = args.action_type_id
    if action_type_id.owner is not ActionOwner.CUSTOM:
        raise ConfigurationError("only action types owned by Custom can be deleted")

    async def delete(client: JobsClient) -> ExitCode:
        await client.delete_custom_action_type(
            category=action_type_id.category,
            provider=action_type_id.provider,
            version=action_type_id.version,
        )
        print(f"deleted: {_format_id(action_type_id)}")
        return ExitCode.OK

    return _with_client(args, delete)


def _check(args: argparse.Namespace) -> ExitCode:
    if args.health_file is None:
        raise ConfigurationError(
            f"--health-file (or {env_name('--health-file')}) is required"
        )
    try:
        age = time.time() - args.health_file.stat().st_mtime
    except FileNotFoundError:
        _say(f"unhealthy: {args.health_file} does not exist")
        return ExitCode.FAILURE
    if age > args.max_age:
        _say(f"unhealthy: {args.health_file} last touched {age:.1f} s ago")
        return ExitCode.FAILURE
    return ExitCode.OK


def _needs_testing_extra(command: str) -> None:
    missing = [
        name for name in _TESTING_NEEDS if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise ConfigurationError(
            f"{command} needs the testing extra: pip install 'cpjobs[testing]'"
            f" (missing: {', '.join(missing)})"
        )


def _demo(args: argparse.Namespace) -> ExitCode:
    _needs_testing_extra("the demo")
    from ._demo import run_demo

    status = asyncio.run(run_demo(jobs=args.jobs, concurrency=args.concurrency))
    return ExitCode.OK if status == 0 else ExitCode.FAILURE


def _emulator_serve(args: argparse.Namespace) -> ExitCode:
    _needs_testing_extra("the emulator")
    from .testing.__main__ import main as testing_main

    status = testing_main(["serve", "--port", str(args.port), "--region", args.region])
    return ExitCode.OK if status == 0 else ExitCode.FAILURE


# --- running -----------------------------------------------------------------------


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def main(argv: Sequence[str] | None = None, *, prog: str = "cpjobs") -> int:
    """Run the ``cpjobs`` command; return its exit code."""
    try:
        parser = build_parser(prog)
    except ConfigurationError as error:
        _say(f"{prog}: configuration error: {error}")
        return ExitCode.CONFIGURATION
    args = parser.parse_args(argv)
    given = list(sys.argv[1:] if argv is None else argv)
    args.run_argv = given[given.index("run") + 1 :] if "run" in given else []
    # -v shows cpjobs' own debug logs, not every library's.
    level = _level(args)
    configure_logging(format=args.log_format, level=max(level, logging.WARNING))
    logging.getLogger("cpjobs").setLevel(level)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()
    except _UsageError as error:
        _say(f"{prog}: error: {error} (see --help)")
        return ExitCode.USAGE
    except TargetError as error:
        _say(f"{prog}: bad target: {error}")
        return ExitCode.TARGET
    except ActionTypeConflict as error:
        _say(f"{prog}: {error}")
        return ExitCode.FAILURE
    except (ConfigurationError, SetupError, InvalidField, OSError) as error:
        _say(f"{prog}: configuration error: {error}")
        return ExitCode.CONFIGURATION
    except CredentialsError as error:
        if error.retryable:
            _say(f"{prog}: {error}")
            return ExitCode.FAILURE
        _say(f"{prog}: configuration error: {error}")
        return ExitCode.CONFIGURATION
    except CPJobsError as error:
        _say(f"{prog}: {error}")
        return ExitCode.FAILURE
    except Exception as error:
        traceback.print_exc()
        _say(f"{prog}: crashed: {type(error).__name__} (exit {ExitCode.CRASH:d})")
        return ExitCode.CRASH


def _reader_went_away() -> int:
    """The reader of stdout closed the pipe (``cpjobs ... | head``): end quietly.

    Python would complain again when it flushes stdout at exit: point it at
    /dev/null first. The exit status is a shell's for SIGPIPE, 128 + 13.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141


def console_main() -> None:
    """The ``cpjobs`` console script."""
    sys.exit(main())
