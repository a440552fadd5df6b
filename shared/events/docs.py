"""Generates the integrator documents from the contracts: JSON Schemas and AsyncAPI 3.0.

`python -m shared.events.docs` rewrites docs/events/*.json and docs/asyncapi.yaml; a test fails
when the committed files differ from what the contracts produce.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from shared.config import REPO_ROOT
from shared.events.contracts import CONTRACTS, Contract
from shared.events.envelope import Envelope

DOCS = REPO_ROOT / "docs"


def json_schema(contract: Contract) -> dict[str, Any]:
    schema = contract.model.model_json_schema(ref_template="#/$defs/{model}")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"urn:nhs-commissioning:events:{contract.type}",
            "description": contract.summary, **schema}


def asyncapi() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for type_, contract in sorted(CONTRACTS.items()):
        name = _message_name(type_)
        messages[name] = {
            "name": type_, "title": contract.model.__name__, "summary": contract.summary,
            "contentType": "application/cloudevents+json",
            "headers": {"type": "object", "properties": {
                "content-type": {"type": "string", "const": "application/cloudevents+json"}}},
            "payload": {"allOf": [
                {"$ref": "#/components/schemas/CloudEvent"},
                {"type": "object", "properties": {
                    "type": {"const": type_},
                    "subject": {"type": "string",
                                "description": f"the {contract.key_field} (also the Kafka key)"},
                    "data": {"$ref": f"./events/{type_}.json"}}},
            ]},
            "bindings": {"kafka": {"key": {"type": "string",
                                           "description": contract.key_field}}},
        }
        channel = channels.setdefault(_channel_name(contract.topic), {
            "address": contract.topic, "messages": {}, "x-producer": contract.producer,
            "description": f"Events of the {contract.topic} aggregate; "
                           f"dead letters go to {contract.topic}.dlq.",
        })
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for topic_key, channel in channels.items():
        producer = channel.pop("x-producer")
        operations[f"publish_{topic_key}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{topic_key}"},
            "summary": (f"{producer} publish; {channel['address'].split('.')[0]} consumes"
                        if producer else
                        f"{channel['address'].split('.')[0]} publishes through its outbox relay"),
            "messages": [{"$ref": f"#/channels/{topic_key}/messages/{m}"}
                         for m in channel["messages"]],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "NHS commissioning platform events", "version": "1.0.0",
                 "description": (
                     "Every event is a CloudEvents 1.0 structured-mode JSON message on Kafka. "
                     "Keys are aggregate ids, so one aggregate's events are ordered. Delivery is "
                     "at least once: de-duplicate on the CloudEvents `id`.")},
        "defaultContentType": "application/cloudevents+json",
        "servers": {"local": {"host": "127.0.0.1:9092", "protocol": "kafka",
                              "description": "the broker `make run` starts"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": {"CloudEvent": _envelope_schema()}},
    }


def _envelope_schema() -> dict[str, Any]:
    schema = Envelope.model_json_schema()
    schema.pop("title", None)
    return schema


def _message_name(type_: str) -> str:
    return type_.replace(".", "_")


def _channel_name(topic: str) -> str:
    return topic.replace(".", "_")


def render() -> dict[Path, str]:
    """Every generated file and its content."""
    files = {DOCS / "events" / f"{type_}.json": json.dumps(json_schema(c), indent=2) + "\n"
             for type_, c in sorted(CONTRACTS.items())}
    files[DOCS / "asyncapi.yaml"] = yaml.safe_dump(asyncapi(), sort_keys=False, width=100)
    return files


def main() -> None:
    for path, content in render().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        print(f"wrote {path.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
