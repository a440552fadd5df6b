"""The matrix in one place says what the per-service matrices test, relation by relation.

Each per-service access test keeps its own table (its personas, its scenes, the exact status
of each case); here each of its cases is mapped onto a column of tests/access/matrix.yaml and
the caller's relation to the data, and the outcome the central matrix gives must be the one
the service's test asserts. So the document cannot drift from what the services do: the
per-service tests prove the services, this proves the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.access.matrix import load
from tests.assurance.access import test_access_matrix as assurance
from tests.identity import test_access_matrix as identity
from tests.market import helpers as market_people
from tests.market import test_access_matrix as market
from tests.procurement import test_access_matrix as procurement

MATRIX = load()
Case = tuple[str, str, str, str, set[int]]  # route key, column, relation, why, statuses


def status_of(outcome: str, *, published: bool = False) -> set[int]:
    """The statuses an outcome of the matrix allows for (2xx as 200)."""
    return {"yes": {200}, "403": {403}, "404": {404}, "deny": {403, 404},
            "published": {200 if published else 404},
            "unpublished": {404 if published else 200}}[outcome]


def check(service: str, cases: Iterator[Case], *, published: dict[str, bool] | None = None,
          ) -> None:
    wrong = []
    for key, column, relation, why, expected in cases:
        outcome = MATRIX.outcome(service, key, column, relation)
        says = status_of(outcome, published=(published or {}).get(why, False))
        if not says <= expected:
            wrong.append(f"{why}: {key} as {column} ({relation}): matrix {outcome}, "
                         f"{service}'s test expects {sorted(expected)}")
    assert wrong == []


def ok(status: int) -> int:
    return 200 if 200 <= status < 300 else status


# --- identity: role x relation (HOME, RELATIVES, MANAGES) -------------------------------------

USER_ROUTES = {"create_user": "POST /users", "list_users": "GET /users",
               "read_user": "GET /users/{user_id}", "change_roles": "PUT /users/{user_id}/roles",
               "disable_user": "POST /users/{user_id}/disable",
               "create_service_account": "POST /service-accounts"}
ORGANISATION_ROUTES = {"read_organisation": "GET /organisations/{organisation_id}",
                       "organisation_history": "GET /organisations/{organisation_id}/history",
                       "update_organisation": "PATCH /organisations/{organisation_id}",
                       "list_organisations": "GET /organisations",
                       "register_organisation": "POST /organisations",
                       "audit_log": "GET /audit"}


def identity_cases() -> Iterator[Case]:
    for call in identity.USER_ENDPOINTS:
        for role, home in identity.HOME.items():
            for relation in identity.RELATIVES[home]:
                expected = (200 if relation in identity.MANAGES[role]
                            else identity.user_denial(call, role))
                yield USER_ROUTES[call.__name__], role, relation, call.__name__, {expected}
    for org_call, allowed in identity.ORGANISATION_ENDPOINTS.items():
        for role, home in identity.HOME.items():
            for relation in identity.RELATIVES[home]:
                yield (ORGANISATION_ROUTES[org_call.__name__], role, relation,
                       org_call.__name__, {200 if role in allowed else 403})
    for org_call, allowed in identity.OTHER_ENDPOINTS.items():
        for role in identity.HOME:
            yield (ORGANISATION_ROUTES[org_call.__name__], role, "own", org_call.__name__,
                   {200 if role in allowed else 403})


def test_identity() -> None:
    check("identity", identity_cases())


# --- assurance: personas on PCT A1's assessment at each stage ---------------------------------

ASSURANCE_ROUTES = {
    "read_draft": "GET /assessments/{assessment_id}",
    "read_on_panel": "GET /assessments/{assessment_id}",
    "read_published": "GET /assessments/{assessment_id}",
    "history": "GET /assessments/{assessment_id}/history",
    "history_published": "GET /assessments/{assessment_id}/history",
    "profile_svg": "GET /assessments/{assessment_id}/profile.svg",
    "edit": "PATCH /assessments/{assessment_id}/self-assessment",
    "evidence": "POST /assessments/{assessment_id}/evidence",
    "outcomes": "PUT /assessments/{assessment_id}/outcomes",
    "evidence_list": "GET /assessments/{assessment_id}/evidence",
    "evidence_download": "GET /assessments/{assessment_id}/evidence/{evidence_id}/content",
    "evidence_download_published":
        "GET /assessments/{assessment_id}/evidence/{evidence_id}/content",
    "submit": "POST /assessments/{assessment_id}/submission",
    "convene": "POST /assessments/{assessment_id}/panel",
    "score": "PATCH /assessments/{assessment_id}/panel-scores",
    "complete": "POST /assessments/{assessment_id}/panel-completion",
    "regional": "POST /assessments/{assessment_id}/regional-calibration",
    "national": "POST /assessments/{assessment_id}/national-calibration",
    "publish": "POST /assessments/{assessment_id}/publication",
    "league": "GET /cycles/{cycle_id}/league",
    "league_csv": "GET /cycles/{cycle_id}/league.csv",
    "changes": "GET /cycles/{cycle_id}/changes",
    "distributions": "GET /cycles/{cycle_id}/distributions",
    "distributions_region": "GET /cycles/{cycle_id}/distributions",
    "decision": "GET /autonomy-decisions/{decision_id}",
    "revoke": "POST /autonomy-decisions/{decision_id}/revocation",
    "oversight": "GET /shas/{sha_id}/oversight-schedule",
    "assessments_on_panel": "GET /assessments",
    "assessments_published": "GET /assessments",
    "support_needs": "GET /support-needs",
    "decisions": "GET /autonomy-decisions",
}
# persona -> (column, relation to PCT A1, relation to SHA A's region)
ASSURANCE_PERSONAS = {
    "own_commissioner": ("pct_commissioner", "own", "parent"),
    "own_assessor": ("sha_assessor@PCT", "own", "parent"),
    "peer": ("sha_assessor@PCT", "panel", "parent"),
    "other_pct_commissioner": ("pct_commissioner", "unrelated", "unrelated"),
    "sha_lead": ("sha_assessor", "child", "own"),
    "sha_admin": ("sha_admin", "child", "own"),
    "other_sha_assessor": ("sha_assessor", "unrelated", "sibling"),
    "other_sha_admin": ("sha_admin", "unrelated", "sibling"),
    "doh_admin": ("doh_admin", "child", "child"),
    "nhscb": ("nhscb_analyst", "unrelated", "unrelated"),
    "supplier": ("supplier_bidder", "unrelated", "unrelated"),
}
SEATED = ("panel", "panel_rated", "panel_scored", "regionally_calibrated",
          "nationally_calibrated", "published")
REGIONAL = {"distributions_region", "oversight"}
LEAGUES = {"league", "league_csv", "changes"}


def assurance_relation(endpoint: str, stage: str, persona: str) -> str:
    column, to_pct, to_region = ASSURANCE_PERSONAS[persona]
    if endpoint in REGIONAL:
        return to_region
    if endpoint == "distributions":
        return "national"
    if endpoint in LEAGUES:  # an SHA gets its own region; the DoH national figures
        return "own" if column.startswith("sha_") and column != "sha_assessor@PCT" else (
            "national")
    if to_pct == "panel" and stage not in SEATED:
        return "sibling"  # the peer is named only when the panel is convened
    return to_pct


def assurance_cases() -> Iterator[Case]:
    for endpoint, (stage, *_rest, statuses) in assurance.MATRIX.items():
        for persona, status in zip(assurance.ORDER, statuses, strict=True):
            yield (ASSURANCE_ROUTES[endpoint], ASSURANCE_PERSONAS[persona][0],
                   assurance_relation(endpoint, stage, persona), f"{endpoint}@{stage}",
                   {ok(status)})
    for listing, (stage, _url, sees) in assurance.LISTS.items():
        for persona, listed in zip(assurance.ORDER, sees, strict=True):
            yield (ASSURANCE_ROUTES[listing], ASSURANCE_PERSONAS[persona][0],
                   assurance_relation(listing, stage, persona), f"{listing}@{stage}",
                   {200 if listed else 404})


def test_assurance() -> None:
    stages = {f"{name}@{spec[0]}": spec[0] == "published"
              for name, spec in [*assurance.MATRIX.items(), *assurance.LISTS.items()]}
    check("assurance", assurance_cases(), published=stages)


# --- procurement: principals on PCT 5NT's scene (and 5NR's) ------------------------------------

# where the principal works -> its relation to 5NT's data and to 5NR's
PROCUREMENT_PLACES = {
    "own_pct": ("own", "sibling"), "sibling_pct": ("sibling", "own"),
    "other_sha_pct": ("unrelated", "unrelated"), "own_sha": ("child", "child"),
    "other_sha": ("unrelated", "unrelated"), "doh": ("child", "child"),
    "nhscb": ("unrelated", "unrelated"),
}
PROCUREMENT_READS = {
    "read_request": "GET /requests/{request_id}",
    "request_history": "GET /requests/{request_id}/history",
    "request_signoffs": "GET /requests/{request_id}/signoffs",
    "read_call_off": "GET /call-offs/{call_off_id}",
    "call_off_history": "GET /call-offs/{call_off_id}/history",
    "read_winning_bid": "GET /bids/{bid_id}",
    "winning_bid_history": "GET /bids/{bid_id}/history",
    "read_contract": "GET /contracts/{contract_id}",
    "contract_history": "GET /contracts/{contract_id}/history",
    "contract_payments": "GET /contracts/{contract_id}/payments",
    "pct_dashboard": "GET /pcts/{pct_id}/dashboard",
    "pct_recommendations": "GET /pcts/{pct_id}/recommendations",
}
PROCUREMENT_LISTS = {"list_requests": "GET /requests", "list_call_offs": "GET /call-offs",
                     "list_contracts": "GET /contracts"}
PROCUREMENT_WRITES = {
    "raise_request": "POST /requests", "change_request": "PATCH /requests/{request_id}",
    "sha_signoff": "POST /requests/{request_id}/signoffs",
    "dg_signoff": "POST /requests/{request_id}/signoffs",
    "open_call_off": "POST /call-offs", "cancel_call_off": "POST /call-offs/{call_off_id}/cancel",
    "submit_bid": "POST /call-offs/{call_off_id}/bids",
    "ask_clarification": "POST /call-offs/{call_off_id}/clarifications",
    "answer_clarification":
        "POST /call-offs/{call_off_id}/clarifications/{clarification_id}/answer",
    "score_bid": "PUT /bids/{bid_id}/scores",
    "award_call_off": "POST /call-offs/{call_off_id}/award",
    "make_contract": "POST /call-offs/{call_off_id}/contract",
    "sign_contract": "POST /contracts/{contract_id}/sign",
    "calculate_payment": "POST /contracts/{contract_id}/payments",
    "suspend_supplier": "POST /suppliers/{supplier_id}/suspend",
}
# A sign-off is of one kind; a column's cell names the kind it gives (the others are refused).
SIGNOFF_KINDS = {"sha-signoff": "sha_signoff", "dg-signoff": "dg_signoff",
                 "jv-signoff": "doh_joint_venture"}
# the 5NT objects each endpoint is about, and the suppliers that are their party
ABOUT_CALL_OFF = {"read_call_off", "call_off_history", "submit_bid", "ask_clarification"}


def procurement_relation(principal: str, name: str, *, sibling_pct: bool = False) -> str:
    """The principal's relation to the 5NT (or 5NR) object `name` is about."""
    where = principal.split("@", 1)[1]
    if where in PROCUREMENT_PLACES:
        if name == "raise_request":
            return "own"  # a request is raised for the caller's own PCT
        return PROCUREMENT_PLACES[where][sibling_pct]
    if name in ABOUT_CALL_OFF or name == "list_call_offs":
        party = procurement.INVITED  # FESC01 and FESC03 are invited to both call-offs
    elif sibling_pct:
        party = {"supplier_bidder@invited_loser"}  # FESC03 won 5NR's
    else:
        party = procurement.WINNER
    return "own" if principal in party else "unrelated"


def column_of(principal: str) -> str:
    return procurement.PRINCIPALS[principal][1]


def procurement_cases() -> Iterator[Case]:
    for name, (_locate, allowed) in procurement.READS.items():
        for principal in procurement.PRINCIPALS:
            yield (PROCUREMENT_READS[name], column_of(principal),
                   procurement_relation(principal, name), f"{name} by {principal}",
                   {200} if principal in allowed else {404})
    for name, (_path, _item, own_pct, sibling_pct) in procurement.LISTS.items():
        for principal in procurement.PRINCIPALS:
            for sees, other in ((own_pct, False), (sibling_pct, True)):
                yield (PROCUREMENT_LISTS[name], column_of(principal),
                       procurement_relation(principal, name, sibling_pct=other),
                       f"{name} ({'5NR' if other else '5NT'}) by {principal}",
                       {200} if principal in sees else {404})
    for name, (_attempt, allowed) in procurement.WRITES.items():
        key = PROCUREMENT_WRITES[name]
        for principal in procurement.PRINCIPALS:
            route = MATRIX.route("procurement", key)
            kind = SIGNOFF_KINDS.get(route.rule_name(MATRIX.personas[column_of(principal)]))
            if kind is not None and kind != name:
                continue  # the cell is about another kind of sign-off
            yield (key, column_of(principal), procurement_relation(principal, name),
                   f"{name} by {principal}", {200} if principal in allowed else {403, 404})


def test_procurement() -> None:
    check("procurement", procurement_cases())


# --- market: role x published -----------------------------------------------------------------

MARKET_READS = {"read_run": "GET /runs/{run_id}", "results": "GET /runs/{run_id}/results",
                "results_csv": "GET /runs/{run_id}/results.csv",
                "chart": "GET /runs/{run_id}/charts/{chart}.svg",
                "compare": "GET /runs/compare"}
MARKET_RUNNER_READS = {"/scenarios": "GET /scenarios", "/scenarios/historical":
                       "GET /scenarios/{name}", "/calibration": "GET /calibration"}
MARKET_WRITES = {"queue_run": "POST /runs", "create_scenario": "POST /scenarios",
                 "cancel": "POST /runs/{run_id}/cancel", "publish": "POST /runs/{run_id}/publish"}


def market_cases() -> Iterator[Case]:
    for principal in market_people.PRINCIPALS:
        for published in (True, False):
            why = "published" if published else "unpublished"
            for name in market.RUN_READS:
                yield (MARKET_READS[name], principal, "unrelated", why,
                       {market.expected_status(principal, published)})
            listed = principal in market_people.RUNNERS | (
                market_people.READERS if published else set())
            yield ("GET /runs", principal, "unrelated", why,
                   {200 if listed else 404} if principal in
                   market_people.RUNNERS | market_people.READERS else {403})
        for path in market.RUNNER_READS:
            yield (MARKET_RUNNER_READS[path], principal, "unrelated", path,
                   {200 if principal in market_people.RUNNERS else 403})
        for name in market.WRITES:
            yield (MARKET_WRITES[name], principal, "unrelated", name,
                   {200 if principal in market_people.RUNNERS else 403})


def test_market() -> None:
    check("market", market_cases(), published={"published": True})


@pytest.mark.parametrize("service", ["identity", "assurance", "procurement", "market"])
def test_every_route_the_service_matrix_tests_is_mapped(service: str) -> None:
    mapped = {"identity": {*USER_ROUTES.values(), *ORGANISATION_ROUTES.values()},
              "assurance": set(ASSURANCE_ROUTES.values()),
              "procurement": {*PROCUREMENT_READS.values(), *PROCUREMENT_LISTS.values(),
                              *PROCUREMENT_WRITES.values()},
              "market": {*MARKET_READS.values(), *MARKET_RUNNER_READS.values(),
                         *MARKET_WRITES.values(), "GET /runs"}}[service]
    assert mapped <= set(MATRIX.services[service])
    assert all(re.fullmatch(r"(GET|POST|PUT|PATCH|DELETE) /\S*", key) for key in mapped)
