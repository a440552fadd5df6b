"""Short ways to write a PCT's result in a test."""

from __future__ import annotations

from collections.abc import Sequence

from services.assurance.rules.types import PctResult, Rag

_RAG = {"R": Rag.RED, "A": Rag.AMBER, "G": Rag.GREEN}


def make_result(
    pct_id: str, governance: str, levels: Sequence[int | None], sha_id: str = "S01"
) -> PctResult:
    """`governance` spells strategy, finance, board as R/A/G ("GGA"); `levels` are competency
    1, 2, 3... in order (Year 1 gives 10, Year 2 gives 11)."""
    return PctResult(
        pct_id=pct_id,
        sha_id=sha_id,
        competency_levels={str(n): level for n, level in enumerate(levels, start=1)},
        governance=dict(zip(("strategy", "finance", "board"), (_RAG[c] for c in governance),
                            strict=True)),
    )
