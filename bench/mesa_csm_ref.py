"""`csm-ref` written the conventional agent-based way with Mesa 3 (benchmark-only dependency).

The same rules as services/market/simulation/csm_ref.py (see docs/market-model.md) with buyers
and suppliers as agents; the Gumbel noise is drawn explicitly per option, as the rules state.
It serves as the speed baseline and as an independent implementation for the agreement test.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from services.market.simulation.csm_ref import CsmRefParams, CsmRefResult, hhi


class Supplier(mesa.Agent):
    """A CSU or a private supplier."""

    def __init__(self, model: CsmRefMesa, quality: float, fixed: float, unit: float,
                 entry_step: int) -> None:
        super().__init__(model)
        self.quality = quality
        self.fixed = fixed
        self.unit = unit
        self.entry_step = entry_step
        self.active = entry_step <= 1
        self.served = 0.0  # population currently contracted
        self.price = 0.0
        self.losing_streak = 0

    def set_price(self) -> None:
        """Rule (a), on the population served at the start of the step."""
        params = self.model.params
        if self.entry_step == self.model.steps:
            self.active = True
        scale = max(self.served, params.pricing_floor)
        self.price = (self.fixed / scale + self.unit) * params.markup

    def account(self) -> None:
        """Rule (c): quarterly profit, exit after consecutive losing quarters."""
        if not self.active:
            return
        profit = (self.price - self.unit) * self.served / 4.0 - self.fixed / 4.0
        self.losing_streak = self.losing_streak + 1 if profit < 0.0 else 0
        if self.losing_streak >= self.model.params.exit_after:
            self.active = False


class Buyer(mesa.Agent):
    """A commissioner buying support; `supplier` None means in-house."""

    def __init__(self, model: CsmRefMesa, population: float, supplier: Supplier | None) -> None:
        super().__init__(model)
        self.population = population
        self.supplier = supplier
        if supplier is not None:
            supplier.served += population

    def retender(self) -> None:
        """Rule (b): re-tender at random, or when the supplier has exited."""
        model: CsmRefMesa = self.model
        params = model.params
        orphaned = self.supplier is not None and not self.supplier.active
        if not orphaned and model.random.random() >= params.retender_probability:
            return
        best: Supplier | None = None
        best_utility = model.in_house_utility + _gumbel(model)
        if self.supplier is None:
            best_utility += params.incumbency_bonus
        for supplier in model.suppliers:
            if not supplier.active:
                continue
            utility = (-params.price_weight * supplier.price
                       + params.quality_weight * supplier.quality + _gumbel(model))
            if supplier is self.supplier:
                utility += params.incumbency_bonus
            if utility > best_utility:
                best, best_utility = supplier, utility
        self._switch(best)

    def _switch(self, supplier: Supplier | None) -> None:
        if self.supplier is not None:
            self.supplier.served -= self.population
        if supplier is not None:
            supplier.served += self.population
        self.supplier = supplier


def _gumbel(model: mesa.Model) -> float:
    return -math.log(model.random.expovariate(1.0))


class CsmRefMesa(mesa.Model):
    """The reference market as a Mesa model; `step()` plays one quarter."""

    def __init__(self, n_buyers: int = 211, seed: int = 0,
                 params: CsmRefParams = CsmRefParams()) -> None:
        super().__init__(seed=seed)
        self.params = params
        self.in_house_utility = (-params.price_weight * params.in_house_price
                                 + params.quality_weight * params.in_house_quality
                                 + params.in_house_bonus)
        self.suppliers = [
            Supplier(self, self.random.uniform(*params.csu_quality), params.csu_fixed,
                     params.csu_unit, 1) for _ in range(params.n_csus)
        ] + [
            Supplier(self, self.random.uniform(*params.private_quality), params.private_fixed,
                     params.private_unit, params.private_entry_step)
            for _ in range(params.n_private)
        ]
        self.buyers = [
            Buyer(self, self.random.lognormvariate(math.log(params.population_median),
                                                   params.population_sigma),
                  self.suppliers[i % params.n_csus])
            for i in range(n_buyers)
        ]
        self.total_population = sum(b.population for b in self.buyers)
        self.records: list[tuple[int, float, float]] = []

    def step(self) -> None:
        """One quarter: entry and pricing, re-tendering, accounting, recording."""
        self.agents_by_type[Supplier].do("set_price")
        self.agents_by_type[Buyer].shuffle_do("retender")
        self.agents_by_type[Supplier].do("account")
        self._record()

    def _record(self) -> None:
        external = np.array([s.served if s.active else 0.0 for s in self.suppliers])
        in_house = sum(b.population for b in self.buyers if b.supplier is None)
        active = sum(1 for s in self.suppliers if s.active)
        self.records.append((active, hhi(external), in_house / self.total_population))


def run_mesa_csm_ref(n_buyers: int = 211, steps: int = 40, seed: int = 0,
                     params: CsmRefParams = CsmRefParams()) -> CsmRefResult:
    """Run the Mesa model and return the same per-step arrays as `run_csm_ref`."""
    model = CsmRefMesa(n_buyers=n_buyers, seed=seed, params=params)
    for _ in range(steps):
        model.step()
    active, concentration, in_house = zip(*model.records, strict=True)
    return CsmRefResult(
        seed=seed, n_buyers=n_buyers,
        active_suppliers=np.array(active, dtype=np.int64),
        hhi=np.array(concentration), in_house_share=np.array(in_house),
    )
