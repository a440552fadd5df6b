"""CSV exports and SVG charts of the report models (pure functions of their input)."""

from __future__ import annotations

import csv
import io

from services.assurance.report.schemas import DistributionsRead, LeagueTableRead
from services.assurance.report.svg import Bar, stacked_levels

LEAGUE_COLUMNS = ("national_rank", "sha_rank", "pct_id", "pct_code", "pct_name", "sha_id",
                  "sha_code", "governance_points", "governance_score", "competency_points",
                  "competency_score", "overall")


def _formula_safe(value: object) -> object:
    # Spreadsheet programs run cells starting with these as formulas (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def league_csv(table: LeagueTableRead) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LEAGUE_COLUMNS)
    for row in table.rows:
        values = row.model_dump()
        writer.writerow([_formula_safe(values[column]) for column in LEAGUE_COLUMNS])
    return out.getvalue()


def distributions_csv(spread: DistributionsRead) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("kind", "code", "name", "level_1", "level_2", "level_3", "level_4",
                     "red", "amber", "green", "mean_level"))
    for item in spread.competencies:
        counts = item.counts
        writer.writerow(("competency", item.code, item.short_name, counts["1"], counts["2"],
                         counts["3"], counts["4"], "", "", "", _formula_safe(item.mean)))
    for area in spread.governance:
        counts = area.counts
        writer.writerow(("governance", area.area, area.area.title(), "", "", "", "",
                         counts["RED"], counts["AMBER"], counts["GREEN"], ""))
    return out.getvalue()


def distribution_svg(spread: DistributionsRead) -> str:
    """The national (or regional) level distribution per competency."""
    where = "national" if spread.sha_id is None else "regional"
    title = f"WCC {spread.cycle_year}: {where} distribution of competency levels"
    desc = (f"Share of the {spread.population} published PCTs at levels 1 to 4 in each "
            "competency.")
    bars = [Bar(item.code, item.short_name, {int(k): v for k, v in item.counts.items()})
            for item in spread.competencies]
    return stacked_levels(title, desc, bars)


def profile_svg(pct: str, spread: DistributionsRead, levels: dict[str, int | None]) -> str:
    """A PCT's competency levels marked on the national distribution of each competency."""
    title = f"WCC {spread.cycle_year}: competency profile of {pct}"
    desc = (f"Each bar is the national distribution of levels over {spread.population} PCTs; "
            "the red marker is this PCT's level.")
    bars = [Bar(item.code, item.short_name, {int(k): v for k, v in item.counts.items()},
                levels.get(item.code)) for item in spread.competencies]
    return stacked_levels(title, desc, bars)
