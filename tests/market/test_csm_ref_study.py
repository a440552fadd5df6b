"""csm-ref Monte Carlo studies: seeded replications, summaries, progress and cancellation."""

from __future__ import annotations

import numpy as np
import pytest

from services.market.simulation import (
    SimulationCancelled,
    replication_seed,
    run_csm_ref,
    run_csm_ref_monte_carlo,
)


class TestCsmRefStudy:
    def test_replications_are_seeded_from_the_master_seed(self) -> None:
        study = run_csm_ref_monte_carlo(12, 3, steps=20)
        again = run_csm_ref_monte_carlo(12, 3, steps=20)
        for name, stats in study.outputs.items():
            assert np.array_equal(stats.mean, again.outputs[name].mean), name
        seed = int(replication_seed(3, 0).generate_state(1, np.uint64)[0])
        first = run_csm_ref(steps=20, seed=seed)
        one = run_csm_ref_monte_carlo(1, 3, steps=20)
        assert np.array_equal(one.outputs["hhi"].mean, first.hhi)
        assert study.labels[0] == "step 1" and study.replications == 12

    def test_progress_is_reported_and_cancellation_stops_the_study(self) -> None:
        seen: list[float] = []
        run_csm_ref_monte_carlo(10, 0, steps=5, chunk=4, progress=seen.append)
        assert seen == [0.4, 0.8, 1.0]
        with pytest.raises(SimulationCancelled):
            run_csm_ref_monte_carlo(10, 0, steps=5, chunk=4, should_cancel=lambda: bool(seen))
