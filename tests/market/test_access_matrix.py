"""Who may see and do what: role x endpoint x whether the run is published (deny by default).

NHS CB (nhscb_admin, nhscb_analyst) and DoH (doh_admin, doh_dg_commissioning) run and see
everything; SHA and CCG staff see published runs only (an unpublished one is 404); everyone
else is 403; no token 401.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from services.market.run.models import Run
from services.market.scenario.models import CustomScenario
from shared.testing.plugin import ServiceHarness
from tests.market.helpers import (
    PRINCIPALS,
    READERS,
    RUNNERS,
    People,
    completed_run,
    count,
    ok,
    outbox_events,
    queue_run,
)


@dataclass
class Scene:
    published: dict[str, Any]
    unpublished: dict[str, Any]
    queued: dict[str, Any]


@pytest.fixture
async def scene(market: ServiceHarness, who: People) -> Scene:
    published = await completed_run(market, who, replications=5)
    ok(await market.client.post(f"/runs/{published['id']}/publish", headers=who.headers()))
    unpublished = await completed_run(market, who, replications=5, seed=2)
    return Scene(published, unpublished, await queue_run(market.client, who))


RUN_READS: dict[str, Callable[[str], str]] = {
    "read_run": lambda run: f"/runs/{run}",
    "results": lambda run: f"/runs/{run}/results",
    "results_csv": lambda run: f"/runs/{run}/results.csv",
    "chart": lambda run: f"/runs/{run}/charts/hhi.svg",
    "compare": lambda run: f"/runs/compare?a={run}&b={run}",
}
RUNNER_READS = ("/scenarios", "/scenarios/historical", "/calibration")


def expected_status(principal: str, published: bool) -> int:
    if principal in RUNNERS:
        return 200
    if principal in READERS:
        return 200 if published else 404
    return 403


@pytest.mark.parametrize("principal", list(PRINCIPALS))
async def test_reads(market: ServiceHarness, who: People, scene: Scene, principal: str) -> None:
    headers = who.headers(principal)
    for run, published in ((scene.published, True), (scene.unpublished, False)):
        for name, path in RUN_READS.items():
            response = await market.client.get(path(run["id"]), headers=headers)
            assert response.status_code == expected_status(principal, published), (name,
                                                                                    published)
    listed = await market.client.get("/runs", headers=headers)
    if principal in RUNNERS | READERS:
        ids = {item["id"] for item in ok(listed)["items"]}
        everything = {scene.published["id"], scene.unpublished["id"], scene.queued["id"]}
        assert ids == (everything if principal in RUNNERS else {scene.published["id"]})
    else:
        assert listed.status_code == 403
    for path in RUNNER_READS:
        response = await market.client.get(path, headers=headers)
        assert response.status_code == (200 if principal in RUNNERS else 403), path


WRITES: dict[str, Callable[[Scene], tuple[str, dict[str, Any] | None]]] = {
    "queue_run": lambda s: ("/runs", {"scenario": "baseline", "replications": 5}),
    "create_scenario": lambda s: ("/scenarios", {"name": "variant", "extends": "baseline",
                                                 "parameters": {"csus": {"count": 21}}}),
    "cancel": lambda s: (f"/runs/{s.queued['id']}/cancel", None),
    "publish": lambda s: (f"/runs/{s.unpublished['id']}/publish", None),
}


@pytest.mark.parametrize(("write", "principal"), [(w, p) for w in WRITES for p in PRINCIPALS])
async def test_writes(market: ServiceHarness, who: People, scene: Scene, write: str,
                      principal: str) -> None:
    path, body = WRITES[write](scene)
    before = (await count(market.session, Run), len(await outbox_events(market.session)))
    response = await market.client.post(path, json=body, headers=who.headers(principal))
    if principal in RUNNERS:
        assert response.status_code in (200, 201, 202), response.text
        return
    assert response.status_code == 403, response.text
    assert (await count(market.session, Run), len(await outbox_events(market.session))) == before
    assert await count(market.session, CustomScenario) == 0
    refreshed = ok(await market.client.get(f"/runs/{scene.unpublished['id']}",
                                           headers=who.headers()))
    assert refreshed["published"] is False
    queued = ok(await market.client.get(f"/runs/{scene.queued['id']}", headers=who.headers()))
    assert queued["status"] == "queued"


async def test_without_a_token_every_route_is_401(market: ServiceHarness, scene: Scene) -> None:
    run = scene.published["id"]
    for path in [*(p(run) for p in RUN_READS.values()), "/runs", *RUNNER_READS]:
        assert (await market.client.get(path)).status_code == 401, path
    for path in ("/runs", "/scenarios", f"/runs/{run}/cancel", f"/runs/{run}/publish"):
        assert (await market.client.post(path, json={})).status_code == 401, path


async def test_a_pct_panel_peer_holding_sha_assessor_sees_no_runs(
        market: ServiceHarness, who: People, scene: Scene) -> None:
    """sha_assessor is also a PCT role (panel peers); PCT staff see no market runs (403)."""
    peer = who.tokens.headers(org_id=str(uuid.uuid4()), org_type="PCT", roles=["sha_assessor"],
                              audience="market", subject="user:pct-peer")
    run = scene.published["id"]
    for path in [*(p(run) for p in RUN_READS.values()), "/runs"]:
        response = await market.client.get(path, headers=peer)
        assert response.status_code == 403, path
