"""The demo-cycle command: a published national cycle on the directory's real PCTs."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.autonomy.models import AutonomyDecision
from services.assurance.cli import COMMANDS, MIGRATIONS
from services.assurance.config import Settings
from services.assurance.cycle.demo import demo_cycle
from services.assurance.rules.published import load_published_results
from services.assurance.support.models import SupportNeed
from shared.cli import run_cli
from shared.db import create_engine, create_sessionmaker, session_scope
from shared.migrations import upgrade
from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import YEAR_1, YEAR_2, Api, add_org, count

SHA_SIZES = [12, 24, 14, 9, 17, 14, 31, 8, 9, 14]


async def seed_national(session: AsyncSession) -> None:
    """DoH, ten SHAs Q30..Q39 and 152 PCTs in the published group sizes."""
    await add_org(session, "doh", "DH", "DOH")
    for index, size in enumerate(SHA_SIZES):
        sha = f"sha-q3{index}"
        await add_org(session, sha, f"Q3{index}", "SHA", "doh")
        for n in range(size):
            await add_org(session, f"pct-{index}-{n:02d}", f"P{index}{n:02d}", "PCT", sha)
    await session.flush()


class TestDemoCycle:
    async def test_a_published_national_cycle_shaped_like_year_1(
        self, api: Api, assurance: ServiceHarness,
    ) -> None:
        await seed_national(assurance.session)
        summary = await demo_cycle(assurance.session, YEAR_1)
        assert (summary.year, summary.published) == (YEAR_1, 152)
        assert summary.tiers == {"good_standing": 14, "in_difficulty": 138}
        assert await count(assurance.session, AutonomyDecision) == 152
        assert await count(assurance.session, SupportNeed) > 152
        spread = await api.call("GET", f"/cycles/{summary.cycle_id}/distributions", api.doh())
        published = load_published_results("published-results-2008-09")
        for item in spread["competencies"]:
            expected = published.competency_counts(item["code"])
            assert item["counts"] == {str(level): n for level, n in expected.items()}
        table = await api.call("GET", f"/cycles/{summary.cycle_id}/league", api.doh())
        assert len(table["rows"]) == 152
        # The generator's ten groups land on the ten SHAs in code order
        per_sha = Counter(row["sha_code"] for row in table["rows"])
        assert [per_sha[f"Q3{i}"] for i in range(10)] == SHA_SIZES


    async def test_year_2_follows_with_what_was_published_for_it(
        self, api: Api, assurance: ServiceHarness,
    ) -> None:
        await seed_national(assurance.session)
        await demo_cycle(assurance.session, YEAR_1)
        summary = await demo_cycle(assurance.session, YEAR_2)
        assert (summary.year, summary.published) == (YEAR_2, 152)
        spread = await api.call("GET", f"/cycles/{summary.cycle_id}/distributions", api.doh())
        governance = {item["area"]: item["counts"] for item in spread["governance"]}
        # S24: board green 61%, finance green just under 43%; competency 11 averaged 1.46.
        assert (governance["board"]["GREEN"], governance["finance"]["GREEN"]) == (93, 65)
        c11 = next(item for item in spread["competencies"] if item["code"] == "11")
        assert c11["mean"] == 1.46
        table = await api.call("GET", f"/cycles/{summary.cycle_id}/league", api.doh())
        all_red = [row for row in table["rows"] if row["governance_points"] == 0]
        assert all_red == []  # S24: no PCT red on all three areas in Year 2
        # Front ends get a change since last year for every PCT.
        changes = await api.call("GET", f"/cycles/{summary.cycle_id}/changes", api.doh())
        assert changes["previous_cycle_year"] == YEAR_1
        assert len(changes["changes"]) == 152
        assert not any(change["is_new"] for change in changes["changes"])


class TestDemoCommand:
    def test_an_empty_directory_says_what_to_run(self, tmp_path: Path) -> None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'assurance.db'}"
        upgrade(MIGRATIONS, url)
        with pytest.raises(SystemExit) as exit_:
            run_cli(Settings(database_url=url, log_json=False), migrations=MIGRATIONS,
                    commands=COMMANDS, argv=["demo-cycle", "--year", YEAR_1])
        assert "python -m services.identity.cli seed" in str(exit_.value)

    def test_publishes_on_sqlite_the_embedded_default(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    ) -> None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'assurance.db'}"
        upgrade(MIGRATIONS, url)
        asyncio.run(_seed_sqlite(url))
        settings = Settings(database_url=url, log_json=False)
        run_cli(settings, migrations=MIGRATIONS, commands=COMMANDS,
                argv=["demo-cycle", "--year", YEAR_1])
        assert "published 152 assessments" in capsys.readouterr().out
        with pytest.raises(SystemExit) as again:
            run_cli(settings, migrations=MIGRATIONS, commands=COMMANDS,
                    argv=["demo-cycle", "--year", YEAR_1])
        assert "already open" in str(again.value)
        run_cli(settings, migrations=MIGRATIONS, commands=COMMANDS,
                argv=["demo-cycle", "--year", YEAR_2])
        assert "demo cycle 2009/10" in capsys.readouterr().out
        # No WCC assurance was run in 2010/11 (DOMAIN.md A.4): nothing to shape a demo on.
        with pytest.raises(SystemExit) as unknown:
            run_cli(settings, migrations=MIGRATIONS, commands=COMMANDS,
                    argv=["demo-cycle", "--year", "2010/11"])
        assert "no demo data" in str(unknown.value)


async def _seed_sqlite(url: str) -> None:
    engine = create_engine(url)
    async with session_scope(create_sessionmaker(engine)) as session:
        await seed_national(session)
    await engine.dispose()
