"""The append-only history: replaying its JSON Patches rebuilds each object's last state."""

from __future__ import annotations

from services.procurement.clock import FixedClock
from services.procurement.history.service import changes, replay
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import (
    END_TO_END,
    World,
    ok,
    raise_request,
    sign,
    signed_contract,
)


class TestRequestHistory:
    async def test_records_who_when_and_what_for_each_step(self, proc: ServiceHarness,
                                                           world: World,
                                                           clock: FixedClock) -> None:
        request = await raise_request(proc.client, world, END_TO_END)
        clock.advance(hours=2)
        request = ok(await sign(proc.client, world, request, "sha"))
        clock.advance(hours=2)
        ok(await proc.client.patch(f"/requests/{request['id']}", headers=world.commissioner(),
                                   json={"estimated_value_pence": 410_000_000}))
        history = ok(await proc.client.get(f"/requests/{request['id']}/history",
                                           headers=world.sha_admin()))
        assert [(h["version"], h["action"], h["actor_org_id"]) for h in history] == [
            (1, "raised", world.pct.id), (2, "signoff_approved", world.sha.id),
            (3, "changed", world.pct.id)]
        assert {"op": "replace", "path": "/estimated_value_pence",
                "value": 410_000_000} in history[2]["patch"]
        assert {"op": "replace", "path": "/approvals/1/status",
                "value": "pending"} in history[2]["patch"]
        assert [h["at"] for h in history] == ["2008-06-02T09:00:00Z", "2008-06-02T11:00:00Z",
                                              "2008-06-02T13:00:00Z"]

    async def test_replaying_the_patches_gives_the_current_state(self, proc: ServiceHarness,
                                                                 world: World,
                                                                 clock: FixedClock) -> None:
        contract = await signed_contract(proc.client, world, clock)
        state = replay(await changes(proc.session, "request", contract["request_id"]))
        current = ok(await proc.client.get(f"/requests/{contract['request_id']}",
                                           headers=world.commissioner()))
        assert state["status"] == current["status"] == "contracted"
        assert state["content_hash"] == current["content_hash"]
        contract_state = replay(await changes(proc.session, "contract", contract["id"]))
        assert contract_state["signed_on"] == contract["signed_on"]
