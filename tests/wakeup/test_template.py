"""`wakeup_template`: the queue, the rule feeding it, and who may send and read."""

from __future__ import annotations

from typing import Any

from cpjobs import event_pattern, wakeup_template

from .conftest import BUILD


def _of_type(template: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (name, resource["Properties"])
        for name, resource in template["Resources"].items()
        if resource["Type"] == kind
    ]
    return found


def test_rule_sends_the_type_s_started_events_to_the_queue() -> None:
    """The rule's pattern is `event_pattern`, and its one target is the queue."""
    template = wakeup_template(BUILD)
    queue, _ = _of_type(template, "AWS::SQS::Queue")
    _, rule = _of_type(template, "AWS::Events::Rule")

    expected = (event_pattern(BUILD), [{"Fn::GetAtt": [queue, "Arn"]}])
    assert expected == (
        rule["EventPattern"],
        [target["Arn"] for target in rule["Targets"]],
    )


def test_only_the_rule_may_send() -> None:
    """The queue policy lets EventBridge send for this rule's ARN, nothing else."""
    template = wakeup_template(BUILD)
    queue, _ = _of_type(template, "AWS::SQS::Queue")
    rule, _ = _of_type(template, "AWS::Events::Rule")
    _, policy = _of_type(template, "AWS::SQS::QueuePolicy")

    expected = {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": {"Fn::GetAtt": [queue, "Arn"]},
        "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule, "Arn"]}}},
    }
    assert ([{"Ref": queue}], [expected]) == (
        policy["Queues"],
        policy["PolicyDocument"]["Statement"],
    )


def test_workers_may_receive_and_delete() -> None:
    """The workers' policy grants what reading the queue takes, on that queue."""
    template = wakeup_template(BUILD)
    queue, _ = _of_type(template, "AWS::SQS::Queue")
    _, policy = _of_type(template, "AWS::IAM::ManagedPolicy")

    (statement,) = policy["PolicyDocument"]["Statement"]
    assert (
        ["sqs:DeleteMessage", "sqs:ReceiveMessage"],
        {"Fn::GetAtt": [queue, "Arn"]},
        {"Ref": queue},
    ) == (
        sorted(statement["Action"]),
        statement["Resource"],
        template["Outputs"]["QueueUrl"]["Value"],
    )
