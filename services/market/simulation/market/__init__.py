"""The fuller market model: world (static arrays), state, tendering, accounts and the engine."""

from services.market.simulation.market.engine import OUTPUTS, MarketResult, run_market, simulate
from services.market.simulation.market.state import MarketEvent
from services.market.simulation.market.world import World, build_world

__all__ = ["OUTPUTS", "MarketEvent", "MarketResult", "World", "build_world", "run_market",
           "simulate"]
