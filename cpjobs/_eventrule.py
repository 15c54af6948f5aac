"""The EventBridge rule and SQS queue that carry an action type's events to workers.

`event_pattern` matches CodePipeline's "CodePipeline Action Execution State
Change" events of one action type in the ``STARTED`` state; `wakeup_template`
is the CloudFormation for the queue, the rule sending those events to it, the
queue policy letting that rule (and only it) send, and a managed policy for
the workers reading it. ``cpjobs action-type events`` prints both.
"""

from __future__ import annotations

import re
from typing import Any, Final

from ._models import ActionTypeId

__all__ = ["DETAIL_TYPE", "SOURCE", "event_pattern", "wakeup_template"]

#: What CodePipeline's action events say they are.
DETAIL_TYPE: Final = "CodePipeline Action Execution State Change"
SOURCE: Final = "aws.codepipeline"
#: Seconds a message stays in the queue: a hint older than the workers'
#: own idle polls (5 minutes by default) wakes nobody usefully.
_RETENTION: Final = 600


def event_pattern(action_type_id: ActionTypeId) -> dict[str, Any]:
    """The EventBridge pattern matching the STARTED events of one action type."""
    return {
        "source": [SOURCE],
        "detail-type": [DETAIL_TYPE],
        "detail": {
            "state": ["STARTED"],
            "type": {
                "owner": [action_type_id.owner.value],
                "category": [action_type_id.category.value],
                "provider": [action_type_id.provider],
                "version": [action_type_id.version],
            },
        },
    }


def wakeup_template(action_type_id: ActionTypeId) -> dict[str, Any]:
    """CloudFormation for the queue a worker's ``wakeup_queue_url`` names.

    Resources: the SQS queue, the EventBridge rule (`event_pattern`) with the
    queue as its target, the queue policy allowing ``events.amazonaws.com``
    to send for that rule only (``aws:SourceArn``), and a managed policy
    with what workers need (receive and delete). Outputs: ``QueueUrl`` and
    ``WorkerPolicyArn``.
    """
    name = re.sub(
        r"[^A-Za-z0-9]", "", f"{action_type_id.provider}{action_type_id.version}"
    )
    queue, rule = f"{name}WakeupQueue", f"{name}WakeupRule"
    queue_arn = {"Fn::GetAtt": [queue, "Arn"]}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Wakes cpjobs workers of one action type from its STARTED events.",
        "Resources": {
            queue: {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "MessageRetentionPeriod": _RETENTION,
                    "VisibilityTimeout": 30,
                },
            },
            rule: {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Description": "STARTED events of one CodePipeline action type",
                    "EventPattern": event_pattern(action_type_id),
                    "State": "ENABLED",
                    "Targets": [{"Arn": queue_arn, "Id": "cpjobs-wakeup"}],
                },
            },
            f"{name}WakeupQueuePolicy": {
                "Type": "AWS::SQS::QueuePolicy",
                "Properties": {
                    "Queues": [{"Ref": queue}],
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Resource": queue_arn,
                                "Condition": {
                                    "ArnEquals": {
                                        "aws:SourceArn": {"Fn::GetAtt": [rule, "Arn"]}
                                    }
                                },
                            }
                        ],
                    },
                },
            },
            f"{name}WakeupWorkerPolicy": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "Description": "What cpjobs workers need to read the wake-up queue",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "sqs:ReceiveMessage",
                                    "sqs:DeleteMessage",
                                ],
                                "Resource": queue_arn,
                            }
                        ],
                    },
                },
            },
        },
        "Outputs": {
            "QueueUrl": {"Value": {"Ref": queue}},
            "WorkerPolicyArn": {"Value": {"Ref": f"{name}WakeupWorkerPolicy"}},
        },
    }
