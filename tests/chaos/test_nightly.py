"""T3: the chaos suite of the nightly run (``make nightly``): D4 and D5 under 3 seeds × 50
SIGKILLs each, the stand-in's nonce window at 0 so only the outbox and the reconciliation stand
between a kill and a duplicate. The default suite runs one seed (tests/chaos/test_chaos.py)."""

from __future__ import annotations

import pytest

from benchmarks.chaos import ChaosConfig, run_chaos

ENTRIES, KILLS = 30, 50


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_t3_fifty_sigkills_per_seed_lose_nothing_and_post_nothing_twice(seed: int) -> None:
    config = ChaosConfig(
        entries=ENTRIES, kills=KILLS, seed=seed, nonce_window=0.0, page_delay=0.05, post_delay=0.3
    )
    result = await run_chaos(config)
    assert result.kills >= KILLS, result.figures()
    assert result.finished, result.figures()
    assert (result.duplicates, result.missing) == (0, 0), result.figures()
    assert result.integrity_failures == 0, result.figures()
    assert result.states == {"sent": ENTRIES}, result.figures()
