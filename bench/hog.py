"""A busy machine on purpose: one process per core spinning in a loop, for the benchmarks'
"under load" runs (another service, a build, a neighbour's test run on the same two cores).

On this 2-core machine the load average reaches about 3 with the benchmark itself running. An
encoder that asks for two threads then competes with the hog for both cores and waits for the
scheduler on every question; one that uses a single thread loses far less (issue 23).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager


def _spin() -> None:
    x = 0
    while True:  # until terminated
        x = (x * 1103515245 + 12345) % 2147483648


@contextmanager
def cpu_hog(processes: int | None = None) -> Iterator[int]:
    """Keep ``processes`` (default: every core) busy while the block runs."""
    count = processes or os.cpu_count() or 2
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_spin, daemon=True) for _ in range(count)]
    for worker in workers:
        worker.start()
    try:
        yield count
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join()
