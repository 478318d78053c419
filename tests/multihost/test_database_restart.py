"""PostgreSQL restarted under two selling box offices on other machines.

A module of its own, so the server it restarts is its own (``machines`` is one per
module): the other multi-machine tests never see their database go away.
"""

from __future__ import annotations

import pytest

from backend.audit import audit
from backend.catalog import Catalog
from backend.services.reservation import saga
from tests.multihost.conftest import Cinema

pytestmark = pytest.mark.multihost

VISA = ("4242424242424242",)
#: Settled sales a box office must make before the restart, and again after it.
SALES = 10


def test_sales_resume_by_themselves_after_the_database_restarts(
    cinema: Cinema, catalog: Catalog, show_id: str
):
    """Clerks on box-a and box-b sell and cancel without pause; the db machine restarts
    PostgreSQL (``pg_ctl restart -m fast``: every connection cut). Each box office goes
    on selling by itself once the server is back, no clerk meets anything but the box
    office's own errors, every saga settles, and nothing is lost: each sale a box office
    reported is in the books, completed or properly cancelled, and the audit is clean."""
    offices = [cinema.spawn(machine, f"box-{machine}", "sell", show_id, "2")
               for machine in ("a", "b")]
    for office in offices:
        office.wait_count("sold", SALES)

    cinema.machines.server.restart("fast")
    before = [len(office.seen) for office in offices]
    for office, since in zip(offices, before, strict=True):
        office.wait_count("sold", SALES, since=since, timeout=60)

    reports = []
    for office in offices:
        office.send("stop")
        reports.append(office.expect(lambda r: "settled" in r, timeout=90,
                                     what="its settle report"))
        assert office.finish() == 0, office.stderr()
    for office, report in zip(offices, reports, strict=True):
        assert report["settled"], (office.name, report, office.stderr())
        assert report["escaped"] == [], (office.name, report["escaped"], office.stderr())

    report = audit(cinema.settings(), catalog, card_numbers=VISA)
    assert report.ok, report.violations
    status = dict(cinema.query("reservation", "SELECT code, status FROM bookings"))
    sold = [r["sold"] for office in offices for r in office.seen if "sold" in r]
    cancelled = {r["cancelled"] for office in offices for r in office.seen if "cancelled" in r}
    assert len(sold) >= 4 * SALES
    lost = [code for code in sold if code not in status]
    assert lost == [], f"sales reported but not in the books: {lost}"
    for code in sold:
        wanted = {saga.CANCELLED} if code in cancelled else {
            saga.COMPLETED, saga.CANCELLED, saga.REJECTED}
        assert status[code] in wanted, (code, status[code])
