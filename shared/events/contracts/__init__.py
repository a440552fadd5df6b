"""Every event payload the platform publishes, in one place.

A contract binds a pydantic payload model to its CloudEvents type and Kafka topic, and names
the payload field that is the aggregate id (the Kafka key, so one aggregate's events stay in
order). The JSON Schemas under docs/events/ and the AsyncAPI document are generated from here.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True)
class Contract:
    type: str
    topic: str
    model: builtins.type[BaseModel]
    key_field: str
    summary: str
    producer: str | None = None  # who publishes it, when not the topic's own service

    @property
    def service(self) -> str:
        return self.topic.split(".", 1)[0]


CONTRACTS: dict[str, Contract] = {}
_BY_MODEL: dict[type[BaseModel], Contract] = {}


def contract(type_: str, *, key: str, summary: str,
             producer: str | None = None) -> Callable[[type[BaseModel]], type[BaseModel]]:
    """Class decorator registering a payload model as the contract for `type_`.

    `producer` names who publishes it when that is not the topic's service through its outbox
    (an inbound topic that external integrators write to)."""
    service, aggregate, _verb, _version = type_.split(".")
    topic = f"{service}.{aggregate}"

    def register(model: type[BaseModel]) -> type[BaseModel]:
        if type_ in CONTRACTS:
            raise ValueError(f"duplicate event contract {type_}")
        if key not in model.model_fields:
            raise ValueError(f"{model.__name__} has no key field {key!r}")
        entry = Contract(type=type_, topic=topic, model=model, key_field=key, summary=summary,
                         producer=producer)
        CONTRACTS[type_] = entry
        _BY_MODEL[model] = entry
        return model

    return register


def contract_for(payload: BaseModel) -> Contract:
    try:
        return _BY_MODEL[type(payload)]
    except KeyError:
        raise LookupError(f"{type(payload).__name__} is not a registered event contract") from None


def topics_of(service: str) -> list[str]:
    """Topics a service produces."""
    return sorted({c.topic for c in CONTRACTS.values() if c.service == service})


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


def _load_all() -> None:
    # Import the per-service modules so that CONTRACTS is complete wherever this package is used.
    from shared.events.contracts import assurance, identity, market, procurement  # noqa: F401


_load_all()
