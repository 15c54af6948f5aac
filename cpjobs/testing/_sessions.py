"""botocore sessions that ignore the user's AWS configuration.

A test run must not depend on the shell it runs in: ``AWS_PROFILE`` naming
a profile that does not exist, a broken ``~/.aws/config``, ``AWS_MAX_ATTEMPTS``
or ``AWS_DEFAULT_REGION`` would otherwise reach every client the emulator and
its fixtures create. These sessions read no environment variable and no
configuration or credentials file; everything they need is passed in.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Generator
from typing import Any

__all__ = ["isolated_session_vars", "prepare_moto_session"]

#: What botocore reads to find a profile and its files.
_PROFILE_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_DATA_PATH",
)


def isolated_session_vars() -> dict[str, tuple[Any, ...]]:
    """``session_vars`` for a botocore (or aiobotocore) session: defaults only.

    Each session variable keeps its default, with no configuration file key
    and no environment variable to read it from; the configuration and
    credentials files are the empty ``os.devnull``.
    """
    provider = importlib.import_module("botocore.configprovider")
    defaults: dict[str, tuple[Any, ...]] = provider.BOTOCORE_DEFAUT_SESSION_VARIABLES
    files = {"config_file": os.devnull, "credentials_file": os.devnull}
    return {
        name: (None, None, files.get(name, default), convert)
        for name, (_, _, default, convert) in defaults.items()
    }


def prepare_moto_session() -> None:
    """Have moto build its one botocore session without the user's profile.

    moto builds a botocore session once, lazily, to list each service's
    regions, and botocore then reads the profile and the configuration file:
    ``AWS_PROFILE=doesnotexist`` or a broken ``~/.aws/config`` would make
    every first S3, STS or KMS call answer 500. Built here first, with those
    variables out of the environment for the moment, the session has loaded
    what it needs and reads them no more. Without
    ``moto.core.base_backend.AccountSpecificBackend.get_session`` (another
    moto version) nothing is done.
    """
    base_backend = importlib.import_module("moto.core.base_backend")
    backend = getattr(base_backend, "AccountSpecificBackend", None)
    get_session = getattr(backend, "get_session", None)
    if get_session is None:  # pragma: no cover - other moto versions
        return
    with _without(_PROFILE_VARIABLES):
        get_session().get_available_partitions()


@contextlib.contextmanager
def _without(names: tuple[str, ...]) -> Generator[None, None, None]:
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)
