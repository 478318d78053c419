"""Two box offices on two machines and PostgreSQL on a third, reachable only over the
network (network namespaces, ``tests/multihost/network.py``): what the issue's "Several
machines, for real" asks of leases, claims and wake-ups."""

from __future__ import annotations

import json
import time

import pytest

from backend.audit import audit
from backend.catalog import Catalog
from backend.messaging.messages import SERVICES
from tests.multihost.conftest import Cinema

pytestmark = pytest.mark.multihost

VISA = ("4242424242424242",)
#: Every box office of the cinema leases mail for the same time (as an operator sets
#: delivery_lease_s alike on every terminal): 2 s, so a dead one is found out quickly.
LEASE = "2"


def test_two_machines_racing_for_seats_never_sell_one_twice(
    cinema: Cinema, catalog: Catalog, show_id: str
):
    """Both box offices try each round's seats at the same wall-clock instant: one sells
    them, the other is told they are taken (SeatUnavailable), and the books agree."""
    rounds = [["A1", "A2"], ["B5"], ["C3", "C4", "C5"], ["D8", "D9"], ["E2"], ["F1", "F2"],
              ["G4", "G5"], ["H6"]]
    start_at = time.time() + 8.0  # both have started (and migrated once) by then
    racers = [
        cinema.spawn(machine, f"box-{machine}", "race", show_id, str(start_at),
                     json.dumps(rounds))
        for machine in ("a", "b")
    ]
    outcomes: dict[int, list[dict[str, str]]] = {}
    for racer in racers:
        racer.wait_count("round", len(rounds), timeout=90)
        assert racer.finish() == 0, racer.stderr()
        for record in racer.seen:
            if "round" in record:
                outcomes.setdefault(record["round"], []).append(record)
    assert sorted(outcomes) == list(range(len(rounds)))
    for outcome in outcomes.values():
        sold = [r for r in outcome if "sold" in r]
        refused = [r for r in outcome if "refused" in r]
        assert len(sold) == 1 and len(refused) == 1, outcome
        assert "already taken" in refused[0]["refused"]

    report = audit(cinema.settings(), catalog, card_numbers=VISA)
    assert report.ok, report.violations
    assert report.counts["COMPLETED"] == len(rounds)
    hosts = {r[0] for r in cinema.query("reservation", "SELECT host FROM lease_owners")}
    assert not hosts & {"box-a", "box-b"}  # both stopped cleanly: their beats are gone


def test_a_box_office_killed_on_one_machine_is_finished_on_another(
    cinema: Cinema, catalog: Catalog, show_id: str
):
    """Box office A (host box-a) sells with its views slowed, so mail is always leased
    and not yet applied; it is SIGKILLed mid-saga. B (host box-b), running all along,
    cannot see A's processes: only A's heartbeat going silent for a lease, or A's leases
    running out (2 s), frees A's mail. B then finishes every saga within seconds (not
    settle's 60 s), each step once, and the books are clean."""
    doomed = cinema.spawn("a", "box-a", "churn", show_id, LEASE, "0.05")
    doomed.wait_count("sold", 15)
    survivor = cinema.spawn("b", "box-b", "survive", show_id, LEASE)
    survivor.expect(lambda r: "ready" in r, what="ready")
    # Two machines, each renewing its heartbeat; each box office is process 1 of its
    # machine, so only the host tells their leases apart (as with real machines).
    owners = set(cinema.query("reservation", "SELECT host, pid FROM lease_owners"))
    assert {("box-a", 1), ("box-b", 1)} <= owners, owners
    doomed.wait_count("sold", 25)
    leased = sum(cinema.query(service, "SELECT count(*) FROM deliveries"
                              " WHERE lease_owner LIKE 'host=box-a;%'")[0][0]
                 for service in SERVICES)
    doomed.kill()  # mid-saga: payments and messages in flight

    killed_at = time.monotonic()
    survivor.send("settle")
    result = survivor.expect(lambda r: "settled" in r, timeout=90, what="its settle report")
    took = time.monotonic() - killed_at
    assert result["settled"], (result, survivor.stderr())
    assert took < 30, f"B took {took:.1f} s to finish what A left (leases of {LEASE} s)"
    assert survivor.finish() == 0, survivor.stderr()

    report = audit(cinema.settings(), catalog, card_numbers=VISA)
    assert report.ok, report.violations
    assert report.counts["COMPLETED"] >= 1
    assert cinema.query("reservation", REPEATED_EVENTS) == []
    for service in SERVICES:  # every message delivered, A's included
        assert cinema.query(service, "SELECT count(*) FROM deliveries")[0][0] == 0, service
    print(f"A leased {leased} deliveries when killed; B settled {took:.1f} s later,"
          f" taking back {result['taken_back']}")


#: Saga events reservation emitted more than once for one booking: none, if every step
#: was taken exactly once whoever finished it.
REPEATED_EVENTS = (
    "SELECT correlation_id, type, count(*) FROM outbox"
    " WHERE type IN ('BookingRequested', 'BookingPaid', 'BookingFailed',"
    " 'BookingCompleted', 'BookingRejected', 'BookingCancelled', 'RequestRefund',"
    " 'ReleaseSeats') GROUP BY correlation_id, type HAVING count(*) > 1"
)


def test_a_hold_on_one_machine_shows_on_the_others_seat_map_within_a_second(
    cinema: Cinema, catalog: Catalog, show_id: str
):
    """A clerk on box-b holds seats; the seat map a clerk on box-a is looking at shows
    them held in under a second (both machines share one kernel, so one clock: the
    watcher's wall time minus the moment the hold returned is the delay a clerk sees)."""
    watcher = cinema.spawn("a", "box-a", "watch", show_id)
    holder = cinema.spawn("b", "box-b", "hold", show_id)
    first = watcher.expect(lambda r: "changed" in r, what="its first seat map")
    assert first["held"] == []
    holder.expect(lambda r: "ready" in r, what="ready")
    delays = []
    for seats in (["A1", "A2"], ["C5"], ["E7", "E8", "E9"], ["J3"]):
        holder.send(json.dumps(seats))
        held = holder.expect(lambda r: "held" in r or "refused" in r, what="the hold")
        assert held.get("held") == seats, held
        shown = watcher.expect(lambda r, s=seats: set(s) <= set(r.get("held", ())),
                               timeout=15, what=f"{seats} held")
        delays.append(shown["changed"] - held["at"])
    print(f"seat-map delays across machines: {[round(d, 3) for d in delays]}")
    assert max(delays) < 1.0, delays
