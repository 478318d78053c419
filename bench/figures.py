"""What every benchmark script here shares: percentiles, verdicts, a fresh data directory."""

from __future__ import annotations

import math
import os
import statistics
import sys
import tempfile
from pathlib import Path


def pct(values: list[float], q: int) -> float:
    """The q-th percentile of durations in seconds, in milliseconds (NaN when empty)."""
    if len(values) < 2:
        return values[0] * 1000 if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def num(x: float, digits: int = 1) -> float | None:
    """A figure for the JSON line: rounded, and null (not NaN) when there is none."""
    return None if math.isnan(x) else round(x, digits)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def fresh_data_dir(given: str | None, prefix: str) -> Path:
    """The data directory to run on: ``given`` (empty or new) or a new temporary one."""
    if given:
        data_dir = Path(given).expanduser().resolve()
        if data_dir.exists() and any(data_dir.iterdir()):
            sys.exit(f"{data_dir} is not empty: the benchmark needs a fresh data directory.")
        data_dir.mkdir(parents=True, exist_ok=True)
        return data_dir
    return Path(tempfile.mkdtemp(prefix=prefix))


def machine_load() -> str:
    """The machine's load averages (1, 5, 15 min): on a busy machine the figures are lower,
    so every benchmark that compares engines or processes prints it."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"
