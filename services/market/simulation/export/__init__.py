"""Exports of market results: JSON, CSV and SVG charts."""

from services.market.simulation.export.svg import (
    hhi_chart,
    in_house_share_chart,
    line_chart,
    result_chart,
    summary_chart,
    supplier_count_chart,
)
from services.market.simulation.export.tables import (
    comparison_to_csv,
    comparison_to_dict,
    comparison_to_json,
    events_to_csv,
    result_to_csv,
    result_to_dict,
    result_to_json,
    summary_to_csv,
    summary_to_dict,
    summary_to_json,
)

__all__ = [
    "comparison_to_csv",
    "comparison_to_dict",
    "comparison_to_json",
    "events_to_csv",
    "hhi_chart",
    "in_house_share_chart",
    "line_chart",
    "result_chart",
    "result_to_csv",
    "result_to_dict",
    "result_to_json",
    "summary_chart",
    "summary_to_csv",
    "summary_to_dict",
    "summary_to_json",
    "supplier_count_chart",
]
