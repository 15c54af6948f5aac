"""``cpjobs action-type events``: the rule and queue that wake workers."""

from __future__ import annotations

import json
from pathlib import Path

import cpjobs
from action_types.specs import LINT, LINT_TOML

from .conftest import run_cpjobs


def test_cloudformation_for_an_action_type() -> None:
    """``--action`` prints the template: a queue, its rule, policy and outputs."""
    result = run_cpjobs("action-type", "events", "--action", "Build/Custom/MyTool/1")

    template = json.loads(result.stdout)
    action_type_id = cpjobs.ActionTypeId(
        category=cpjobs.ActionCategory.BUILD,
        owner=cpjobs.ActionOwner.CUSTOM,
        provider="MyTool",
        version="1",
    )
    assert (0, cpjobs.wakeup_template(action_type_id)) == (result.returncode, template)


def test_pattern_of_a_spec(tmp_path: Path) -> None:
    """A spec file with ``--emit pattern`` prints the rule's event pattern only."""
    spec = tmp_path / "lint.toml"
    spec.write_text(LINT_TOML, encoding="utf-8")

    result = run_cpjobs("action-type", "events", spec, "--emit", "pattern")

    expected = cpjobs.event_pattern(LINT.action_type_id)
    assert (0, expected) == (result.returncode, json.loads(result.stdout))


def test_spec_or_action_is_required() -> None:
    """Without a spec or ``--action`` the command is a usage error (exit 2)."""
    result = run_cpjobs("action-type", "events")

    assert (2, "") == (result.returncode, result.stdout)
