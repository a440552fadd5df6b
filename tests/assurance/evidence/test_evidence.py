"""Evidence documents: hash, size, versions by title, size limit, download."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from services.assurance.evidence.models import Evidence, EvidenceContent
from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import Api, World, count, is_problem


def upload(content: bytes, title: str = "Five-year strategic plan",
           sub: str = "1.1", **extra: Any) -> dict[str, Any]:
    return {"sub_competency": sub, "title": title, "media_type": "application/pdf",
            "content_base64": base64.b64encode(content).decode(), **extra}


class TestEvidence:
    async def test_upload_records_hash_size_and_versions_by_title(
        self, api: Api, world: World,
    ) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        url, who = f"/assessments/{aid}/evidence", api.commissioner(world.pct_a1)
        first = await api.call("POST", url, who, upload(b"%PDF-1.4 plan v1"), expect=201)
        assert first["sha256"] == hashlib.sha256(b"%PDF-1.4 plan v1").hexdigest()
        assert (first["size_bytes"], first["version"]) == (16, 1)
        second = await api.call("POST", url, who, upload(b"%PDF-1.4 plan v2 longer"),
                                expect=201)
        other = await api.call("POST", url, who, upload(b"OD plan", "OD plan"), expect=201)
        assert (second["version"], other["version"]) == (2, 1)
        listed = await api.call("GET", url, api.sha_admin(world.sha_a))
        assert [(e["title"], e["version"]) for e in listed] == [
            ("Five-year strategic plan", 1), ("Five-year strategic plan", 2), ("OD plan", 1)]
        download = await api.call("GET", f"{url}/{second['id']}/content", api.doh())
        assert download.content == b"%PDF-1.4 plan v2 longer"
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["etag"] == f'"{second["sha256"]}"'
        history = await api.call("GET", f"/assessments/{aid}/history", api.doh())
        assert [h["details"].get("version") for h in history
                if h["action"] == "attach_evidence"] == [1, 2, 1]

    async def test_too_large_bad_base64_or_unknown_code_write_nothing(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        url, who = f"/assessments/{aid}/evidence", api.commissioner(world.pct_a1)
        limit = assurance.settings().evidence_max_bytes
        big = await assurance.client.post(url, json=upload(b"x" * (limit + 1)), headers=who)
        is_problem(big, 413)
        bad = await assurance.client.post(url, json={**upload(b"x"), "content_base64": "@@@@"},
                                          headers=who)
        assert is_problem(bad, 422)["errors"][0]["loc"] == ["body", "content_base64"]
        unknown = await assurance.client.post(url, json=upload(b"x", sub="12.1"), headers=who)
        is_problem(unknown, 422)
        extra = await assurance.client.post(url, json=upload(b"x", owner="me"), headers=who)
        is_problem(extra, 422)
        assert await count(assurance.session, Evidence) == 0
        assert await count(assurance.session, EvidenceContent) == 0

    async def test_only_the_pct_itself_uploads(self, api: Api, world: World,
                                               assurance: ServiceHarness) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        url = f"/assessments/{aid}/evidence"
        elsewhere = await assurance.client.post(url, json=upload(b"x"),
                                                headers=api.commissioner(world.pct_b1))
        is_problem(elsewhere, 404)
        sha = await assurance.client.post(url, json=upload(b"x"),
                                          headers=api.sha_admin(world.sha_a))
        is_problem(sha, 403)
        assert await count(assurance.session, Evidence) == 0
