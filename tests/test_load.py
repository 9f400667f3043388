"""Mixed load through the real bot: no idea lost, none mixed up between residents
(`python -m bench.load --residents 1000` is the full-size run)."""

from __future__ import annotations

from bench.load import run_load

from assistant.retrieval.encoder import Encoder


async def test_mixed_load_loses_and_mixes_nothing(database_url: str, encoder: Encoder) -> None:
    result = await run_load(150, database_url=database_url, encoder=encoder, rounds=2)
    assert result["ideas_expected"] == 100
    assert result["ideas_lost"] == 0 and result["ideas_crossed"] == 0
    assert result["updates"] == 2 * (100 + 50 * 9)  # 100 questions + 50 nine-step ideas
