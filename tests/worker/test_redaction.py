"""Redaction on its own: every spelling of a secret goes, and a cut never splits one."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from cpjobs._redact import redact, spellings

#: Filler and secrets never share a character, so any secret character left
#: in the output is part of a secret shown.
FILLER = st.text(alphabet="-. \n", max_size=300)
SECRETS = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=ü\"'",
    min_size=4,
    max_size=40,
)
SPELLINGS: list[Callable[[str], str]] = [
    lambda s: s,
    lambda s: repr(s),
    lambda s: json.dumps(s),
    lambda s: json.dumps(s, ensure_ascii=False),
    lambda s: urllib.parse.quote(s),
    lambda s: urllib.parse.quote(s, safe=""),
    lambda s: urllib.parse.quote_plus(s),
]


def shown(text: str) -> str:
    """What is left of ``text`` once the filler, the marks and the ellipsis go."""
    return text.replace("***", "").strip("-. \n'\"")


@given(
    secret=SECRETS,
    spell=st.sampled_from(SPELLINGS),
    parts=st.lists(FILLER, min_size=1, max_size=4),
    limit=st.one_of(st.none(), st.integers(min_value=10, max_value=400)),
)
def test_no_part_of_a_secret_survives(
    secret: str,
    spell: Callable[[str], str],
    parts: list[str],
    limit: int | None,
) -> None:
    """However spelled, wherever placed and wherever cut, nothing of a secret shows."""
    text = spell(secret).join(parts)

    redacted = redact(text, [secret], limit=limit)

    assert "" == "".join(c for c in shown(redacted) if c not in "-. \n")
    assert limit is None or len(redacted) <= limit


@given(text=st.text(max_size=500), limit=st.integers(min_value=3, max_value=600))
def test_without_secrets_only_the_cut_changes_the_text(text: str, limit: int) -> None:
    """With no secret to find, the text is kept whole or cut with an ellipsis."""
    redacted = redact(text, [], limit=limit)

    expected = text if len(text) <= limit else text[: limit - 3] + "..."
    assert expected == redacted


def test_short_values_are_not_secrets() -> None:
    """Values under four characters are left alone: "on" is not worth a ***."""
    assert "turn it on" == redact("turn it on", ["on"])


def test_every_spelling_is_listed() -> None:
    """A secret with a slash has distinct URL spellings, each of them listed."""
    secret = "wJal/rXUtn+FEMI=K7MDENG"

    assert {
        urllib.parse.quote(secret),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
    } <= set(spellings(secret))
