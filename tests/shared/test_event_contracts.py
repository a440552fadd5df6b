"""The contracts, the integrator documents and the envelope agree."""

from __future__ import annotations

from datetime import date

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka
from cloudevents.core.formats.json import JSONFormat
from pydantic import ValidationError

from shared.events import docs
from shared.events.contracts import CONTRACTS
from shared.events.contracts.identity import OrganisationRegistered
from shared.events.envelope import CONTENT_TYPE, Envelope, new_envelope


class TestDocumentsInStep:
    def test_committed_schemas_and_asyncapi_match_the_contracts(self) -> None:
        stale = [path.name for path, content in docs.render().items()
                 if not path.exists() or path.read_text() != content]
        assert stale == [], "run `python -m shared.events.docs` and commit the result"

    def test_no_schema_file_is_left_for_a_removed_event(self) -> None:
        on_disk = {p.name.removesuffix(".json") for p in (docs.DOCS / "events").glob("*.json")}
        assert on_disk == set(CONTRACTS)

    def test_every_event_type_names_its_topic_and_version(self) -> None:
        for type_, contract in CONTRACTS.items():
            service, aggregate, _verb, version = type_.split(".")
            assert contract.topic == f"{service}.{aggregate}"
            assert version.startswith("v") and version[1:].isdigit()


class TestEnvelope:
    def payload(self) -> OrganisationRegistered:
        return OrganisationRegistered(organisation_id="o-1", code="5NT", name="Manchester PCT",
                                      type="PCT", parent_id="s-1", parent_code="Q31",
                                      valid_from=date(2006, 10, 1))

    def test_the_official_cloudevents_sdk_reads_our_kafka_messages(self) -> None:
        envelope = new_envelope(source="/services/identity",
                                type_="identity.organisation.registered.v1", subject="o-1",
                                data=self.payload().model_dump(mode="json"),
                                correlation_id="abc12345")
        message = KafkaMessage(headers={"content-type": CONTENT_TYPE.encode()}, key=b"o-1",
                               value=envelope.to_bytes())
        event = from_kafka(message, JSONFormat())
        assert event.get_id() == envelope.id
        assert event.get_type() == "identity.organisation.registered.v1"
        assert event.get_subject() == "o-1"
        assert event.get_extension("correlationid") == "abc12345"
        assert event.get_data()["parent_code"] == "Q31"

    def test_an_envelope_with_a_malformed_type_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            Envelope.from_bytes(b'{"specversion":"1.0","id":"1","source":"/x","type":"bad",'
                                b'"time":"2009-01-31T00:00:00Z","data":{}}')

    def test_payloads_refuse_unknown_fields(self) -> None:
        with pytest.raises(ValidationError):
            OrganisationRegistered.model_validate({**self.payload().model_dump(), "extra": 1})
