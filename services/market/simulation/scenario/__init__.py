"""Scenario documents for the market model: pydantic models and the YAML loader."""

from services.market.simulation.scenario.loading import (
    SCENARIO_DIR,
    ScenarioError,
    list_scenarios,
    load_scenario,
    parse_scenario,
    with_parameters,
)
from services.market.simulation.scenario.models import (
    SERVICE_LINES,
    CcgSpec,
    ChoiceSpec,
    ContractSpec,
    CsuSpec,
    FrameworkGateSpec,
    MakeSpec,
    NationalSpec,
    PrivateSpec,
    Scenario,
    ServiceLineSpec,
)

__all__ = [
    "SCENARIO_DIR",
    "SERVICE_LINES",
    "CcgSpec",
    "ChoiceSpec",
    "ContractSpec",
    "CsuSpec",
    "FrameworkGateSpec",
    "MakeSpec",
    "NationalSpec",
    "PrivateSpec",
    "Scenario",
    "ScenarioError",
    "ServiceLineSpec",
    "list_scenarios",
    "load_scenario",
    "parse_scenario",
    "with_parameters",
]
