"""Keeping secrets out of failure messages and logs: pure functions.

A handler's exception may quote a secret (an artifact credential, a secret
configuration value, the client token) as written or escaped as a repr, JSON
or a URL would. `redact` replaces each spelling of each secret with ``***``.
It bounds its work: a message is cut to its limit first (never through the
middle of a secret) and only the kept part is searched.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Collection, Iterable, Mapping
from typing import Final

__all__ = [
    "LOG_LIMIT",
    "MESSAGE_LIMIT",
    "REDACTED",
    "configuration_secrets",
    "describe",
    "redact",
    "spellings",
]

#: FailureDetails.message's limit.
MESSAGE_LIMIT: Final = 5000
#: How much of a traceback a log record shows.
LOG_LIMIT: Final = 100_000
#: Shorter values are not redacted: they cannot hold a secret worth the
#: name, and replacing every "on" or "1" would garble the message.
MIN_SECRET_LENGTH: Final = 4
REDACTED: Final = "***"
_ELLIPSIS: Final = "..."


def configuration_secrets(
    configuration: Mapping[str, str] | None, secret_keys: Collection[str] | None
) -> list[str]:
    """The configuration values that are secret; all of them if ``secret_keys`` is None."""
    if not configuration:
        return []
    if secret_keys is None:
        return list(configuration.values())
    return [value for key, value in configuration.items() if key in secret_keys]


def spellings(secret: str) -> tuple[str, ...]:
    """How a secret may appear in a message: raw, in a repr, JSON or a URL."""
    return (
        secret,
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        urllib.parse.quote(secret),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
    )


def redact(text: str, secrets: Iterable[str], *, limit: int | None = None) -> str:
    """``text`` with every spelling of every secret replaced by ``***``.

    With a ``limit``, the result is at most that long (cut text ends in
    ``...``), and only what is kept is searched. The cut never splits a
    secret: one it would cross is cut off whole.
    """
    variants = sorted(
        {
            variant
            for secret in secrets
            if len(secret) >= MIN_SECRET_LENGTH
            for variant in spellings(secret)
        },
        key=len,
        reverse=True,  # longest first, so a secret containing another goes whole
    )
    suffix = ""
    if limit is not None and len(text) > limit:
        text = text[: _cut_outside(text, limit - len(_ELLIPSIS), variants)]
        suffix = _ELLIPSIS
    for variant in variants:
        if variant in text:
            text = text.replace(variant, REDACTED)
    # Every variant is longer than REDACTED: the text cannot have grown.
    return text + suffix


def _cut_outside(text: str, end: int, variants: Iterable[str]) -> int:
    """The largest cut at or before ``end`` that crosses no occurrence of a variant."""
    cut = end
    moved = True
    while moved:
        moved = False
        for variant in variants:
            size = len(variant)
            # An occurrence crossing the cut starts within size - 1 before it.
            start = text.find(variant, max(0, cut - size + 1), cut + size - 1)
            if 0 <= start < cut:
                cut, moved = start, True
    return cut


def describe(error: BaseException) -> str:
    """``Type: message`` for an exception, even one whose ``str()`` fails."""
    name = type(error).__name__
    try:
        described = str(error)
    except Exception:
        described = "<str() failed>"
    return f"{name}: {described}" if described else name
