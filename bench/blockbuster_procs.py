"""The blockbuster on PostgreSQL with several box-office processes (``--processes``).

A cinema that outgrows one machine runs a box office on each; they share the services'
PostgreSQL databases. This measures that: the parent makes four fresh databases, puts
the show on sale (300 seats) with a box office of its own and closes it; then it starts
P box-office processes (this file, run as a program), each opening a ``BoxOffice`` on
the same databases from a data directory of its own (as another machine would), with
its share of the clients. When every one is up, the parent names one wall-clock instant
and they all start racing then. Each process settles, then sends back what its clients
saw as one JSON line (``Race.as_json``); the parent adds them up, opens a box office
again, settles it, reads the seat map and runs the auditor once over the databases.

Protocol (one JSON line each way, on the child's stdin and stdout; logging on stderr):
parent -> child ``{"settings": {...}, "show_id", "clients", "attempts", "seed"}``;
child -> parent ``{"ready": pid}``; parent -> child ``{"start_at": unix time}``;
child -> parent ``{"result": {...}}``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import resource
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from blockbuster_race import Race, office_extras, prepare_show, run_clients
from figures import machine_load
from pg_server import BenchServer, service_urls

from backend import BoxOffice, Settings
from backend.audit import audit

#: How long a box-office process may take to open, and the whole race to finish.
READY_TIMEOUT_S, RESULT_TIMEOUT_S = 120.0, 600.0
#: The longest line a box-office process may send (its race: a few floats per client).
RESULT_LINE_LIMIT = 64 * 1024 * 1024
#: Between the last process saying "ready" and the start: time to read the line.
START_MARGIN_S = 0.5


async def race_in_processes(args: Any, server: BenchServer, processes: int) -> dict[str, Any]:
    """One race with ``processes`` box offices on fresh databases; the figures."""
    root = Path(tempfile.mkdtemp(prefix=f"cinema-blockbuster-pg{processes}-"))
    urls = service_urls(server, f"blockbuster{processes}")
    setup = Settings(data_dir=root / "setup", payment_latency_ms=0, **urls)
    load_before = machine_load()
    try:
        async with BoxOffice.open(setup) as office:
            show = await prepare_show(office)
            on_sale = (await office.seat_map(show.id)).count("free")
        shares = [args.clients // processes + (i < args.clients % processes)
                  for i in range(processes)]
        race, per_process = await _race(args, urls, root, show.id, shares)
        async with BoxOffice.open(setup) as office:
            settled = await office.settle(60)
            after = await office.seat_map(show.id)
            summary = next(s for s in await office.showtimes(office.days()[1])
                           if s.id == show.id)
            report = await asyncio.to_thread(audit, setup, office.catalog)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return {
        "race": race, "show": show, "on_sale": on_sale, "after": after, "summary": summary,
        "report": report, "settled": settled and all(p["settled"] for p in per_process),
        "transitions": [t for p in per_process for t in p["transitions"]],
        "pool_peak": max(p["pool_peak"] for p in per_process),
        "processes": processes, "per_process": per_process, "data_dir": str(root),
        "load_before": load_before, "load_after": machine_load(),
    }


async def _race(args: Any, urls: dict[str, str], root: Path, show_id: str,
                shares: list[int]) -> tuple[Race, list[dict[str, Any]]]:
    """Start a box-office process per share of the clients, race, collect."""
    children: list[asyncio.subprocess.Process] = []
    try:
        for i, clients in enumerate(shares):
            child = await asyncio.create_subprocess_exec(
                sys.executable, str(Path(__file__).resolve()),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                limit=RESULT_LINE_LIMIT)
            children.append(child)
            settings = {"data_dir": str(root / f"office-{i + 1}"), "payment_latency_ms": 0,
                        **urls}
            _send(child, {"settings": settings, "show_id": show_id, "clients": clients,
                          "attempts": args.attempts, "seed": args.seed * 1000 + i})
        for child in children:
            await _receive(child, "ready", READY_TIMEOUT_S)
        start_at = time.time() + START_MARGIN_S
        for child in children:
            _send(child, {"start_at": start_at})
        results = [await _receive(child, "result", RESULT_TIMEOUT_S) for child in children]
        for child in children:
            await asyncio.wait_for(child.wait(), 60)
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()
    race = Race(0.0)
    for result in results:
        race.merge(result.pop("race"))
    return race, results


def _send(child: asyncio.subprocess.Process, message: dict[str, Any]) -> None:
    assert child.stdin is not None
    child.stdin.write(json.dumps(message).encode() + b"\n")


async def _receive(child: asyncio.subprocess.Process, key: str, timeout: float) -> Any:
    """The child's next message, which must carry ``key``; RuntimeError in words if the
    child dies or says nothing in time (its own error is on stderr, above)."""
    assert child.stdout is not None
    try:
        line = await asyncio.wait_for(child.stdout.readline(), timeout)
    except TimeoutError:
        raise RuntimeError(f"box-office process {child.pid} sent no {key!r} "
                           f"within {timeout:.0f} s (hung?)") from None
    if not line:
        code = await child.wait()
        raise RuntimeError(f"box-office process {child.pid} ended (exit {code}) "
                           f"before sending {key!r}; see its error above")
    return json.loads(line)[key]


# --- the box-office process ----------------------------------------------------------------

async def child_main() -> int:
    """One box office of the race: open, say ready, wait for the instant, race, settle."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    line = await reader.readline()
    if not line:
        return 1  # the parent went away before saying what to do
    config = json.loads(line)
    settings = Settings(**config["settings"])  # as the parent made its own
    rng = random.Random(config["seed"])
    async with BoxOffice.open(settings) as office:
        print(json.dumps({"ready": os.getpid()}), flush=True)
        line = await reader.readline()
        if not line:
            return 1
        start_at = json.loads(line)["start_at"]
        await asyncio.sleep(max(0.0, start_at - time.time()))
        lag = time.time() - start_at
        t_mono, cpu0 = time.monotonic(), _cpu_seconds()
        race = Race(time.perf_counter())
        await run_clients(office, race, config["show_id"], config["clients"],
                          config["attempts"], rng)
        cpu = _cpu_seconds() - cpu0
        transitions, pool_peak = office_extras(office, t_mono)
        settled = await office.settle(60)
    result = {"race": race.as_json(), "pid": os.getpid(), "host": socket.gethostname(),
              "clients": config["clients"], "booked": race.outcomes["booked"],
              "start_lag_ms": round(1000 * lag, 1), "cpu_s": round(cpu, 2),
              "transitions": transitions, "pool_peak": pool_peak, "settled": settled}
    print(json.dumps({"result": result}), flush=True)
    return 0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)  # on stderr: stdout carries the protocol
    sys.exit(asyncio.run(child_main()))
