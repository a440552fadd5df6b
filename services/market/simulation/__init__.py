"""Pure simulation core of the market service (no database, no HTTP).

- `csm_ref`: the reference model `csm-ref` (fixed rules, vectorised with numpy);
- `scenario`: validated scenario documents and the reference YAML files;
- `market`: the fuller make / buy / ally market model;
- `montecarlo`: replications, summaries, scenario comparison;
- `calibration`: error score against history and a parameter search;
- `export`: JSON, CSV and SVG.

The model and every parameter are described in docs/market-model.md.
"""

from services.market.simulation.calibration import (
    CalibrationReport,
    Parameter,
    calibrate,
    load_history,
    score,
)
from services.market.simulation.csm_ref import CsmRefParams, CsmRefResult, run_csm_ref
from services.market.simulation.market import OUTPUTS, MarketResult, build_world, run_market
from services.market.simulation.montecarlo import (
    MonteCarloSummary,
    ScenarioComparison,
    SimulationCancelled,
    compare,
    replication_seed,
    run_csm_ref_monte_carlo,
    run_monte_carlo,
)
from services.market.simulation.scenario import (
    Scenario,
    ScenarioError,
    list_scenarios,
    load_scenario,
    parse_scenario,
)

__all__ = [
    "OUTPUTS",
    "CalibrationReport",
    "CsmRefParams",
    "CsmRefResult",
    "MarketResult",
    "MonteCarloSummary",
    "Parameter",
    "Scenario",
    "ScenarioComparison",
    "ScenarioError",
    "SimulationCancelled",
    "build_world",
    "calibrate",
    "compare",
    "list_scenarios",
    "load_history",
    "load_scenario",
    "parse_scenario",
    "replication_seed",
    "run_csm_ref",
    "run_csm_ref_monte_carlo",
    "run_market",
    "run_monte_carlo",
    "score",
]
