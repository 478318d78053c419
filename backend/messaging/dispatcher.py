"""The dispatcher: moves pending deliveries from producers' journals into mailboxes.

It is only the wake-up, never the truth: everything it moves is already committed in a
producer's ``deliveries`` table, leased while in flight, deleted when the receiver says
it applied the message, and given back (lease cleared) when the receiver stopped or was
full. A process killed mid-flight leaves leases whose owner no longer exists. Every
dispatcher renews its owner's heartbeat in each service database a few times per lease
(``owners.py``) and, in the same transaction, gives back the leases of owners that are
dead: killed on this machine (at once) or silent for longer than a lease (on any
machine), so a live box office finishes their work while it keeps selling.

Producers wake it with a hint of which receivers got mail; on PostgreSQL other
machines' producers wake it too (``wakeups.py``: NOTIFY/LISTEN); a slow poll covers
mail written by other processes on the same data directory, notices that were missed,
and leases that ran out.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from backend.errors import BoxOfficeError
from backend.messaging.journal import (
    Claimed,
    acknowledge,
    claim,
    release,
    release_orphaned_leases,
)
from backend.messaging.owners import Judge, beat, forget, new_owner
from backend.messaging.wakeups import Listener, Notice
from backend.runtime.actor import Deliver
from backend.runtime.tasks import cancel_and_wait
from backend.sql import SQL, run

if TYPE_CHECKING:
    from backend.services.base import Service

log = logging.getLogger(__name__)


class Dispatcher:
    """Feeds each service's mailbox from the other services' journals."""

    def __init__(
        self,
        services: dict[str, "Service"],
        *,
        lease_seconds: float = 10.0,
        poll_interval: float = 0.5,
        claim_limit: int = 128,
    ) -> None:
        self.services = services
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval
        self.claim_limit = claim_limit
        #: This start of this process, as its leases and heartbeats name it.
        self.me = new_owner(lease_seconds)
        self.owner = str(self.me)
        #: How often the heartbeat is renewed (and dead owners looked for): a few times
        #: per lease, so a live owner is never mistaken for a silent one.
        self.heartbeat_interval = lease_seconds / 3
        #: Deliveries taken back from dead owners since this start (for tests and logs).
        self.taken_back = 0
        self._hints: set[tuple[str, str]] = set()
        self._wake = asyncio.Event()
        self._acknowledged: dict[str, list[int]] = defaultdict(list)
        self._released: dict[str, list[int]] = defaultdict(list)
        self._flush_wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        #: One per PostgreSQL database the services use: other machines' commits.
        self.listeners: list[Listener] = []

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Announce this owner, take back leases of dead ones, then start moving mail."""
        await self.heartbeat()
        self._tasks = [
            asyncio.create_task(self._run(), name="dispatcher"),
            asyncio.create_task(self._flush_loop(), name="dispatcher-acks"),
            asyncio.create_task(self._heartbeat_loop(), name="dispatcher-heartbeat"),
        ]
        urls = {s.store.url for s in self.services.values() if not s.store.is_sqlite}
        self.listeners = [Listener(url, self.owner, self.heard, self.missed)
                          for url in sorted(urls)]
        for listener in self.listeners:
            listener.start()

    async def stop(self) -> None:
        for listener in self.listeners:
            await listener.stop()
        self.listeners = []
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(*tasks)
        await self._flush()
        for service in self.services.values():
            if service.store.is_open:
                try:
                    await service.store.write(forget, self.me)
                except BoxOfficeError as exc:  # going away anyway: the beat goes stale
                    log.info("dispatcher could not withdraw its heartbeat: %s", exc)

    # --- heartbeats ---------------------------------------------------------------------

    async def heartbeat(self) -> int:
        """Renew this owner's heartbeat in every open service database and give back the
        leases of dead owners there; how many deliveries came back."""
        taken = 0
        for name, service in self.services.items():
            if not service.store.is_open:
                continue
            judge = Judge(self.me, service.clock.now().timestamp(), self.lease_seconds)

            def renew(conn: Any, judge: Judge = judge) -> int:
                beat(conn, self.me, judge.now)
                return release_orphaned_leases(conn, judge)

            back = await service.store.write(renew)
            if back:
                log.info("took back %d deliveries leased by dead box offices (%s)", back, name)
                taken += back
        if taken:
            self.taken_back += taken
            self.wake()
        return taken

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            try:
                await self.heartbeat()
            except asyncio.CancelledError:
                raise
            except BoxOfficeError as exc:  # a store went away under us: next beat
                log.info("dispatcher heartbeat: %s", exc)
            except Exception:
                log.exception("dispatcher heartbeat failed")

    # --- wake-ups -----------------------------------------------------------------------

    def wake(self, producer: str | None = None, receivers: set[str] | None = None) -> None:
        """Look for mail now (from ``producer`` to ``receivers`` if given, else everywhere)."""
        if producer is not None and receivers:
            for r in receivers:
                self._hints.add((producer, r))
        else:
            self._hints.add(("*", "*"))
        self._wake.set()

    def heard(self, notice: Notice) -> None:
        """Another box office committed (PostgreSQL's NOTIFY): move the mail it left
        and wake whoever here watches what it touched."""
        if notice.mail_for:
            self.wake(notice.service, set(notice.mail_for))
        service = self.services.get(notice.service)
        if service is not None and notice.keys:
            service.wake_watchers(notice.keys)

    def missed(self) -> None:
        """Listening again after a gap: whatever was said meanwhile, look at everything."""
        self.wake()
        for service in self.services.values():
            service.wake_watchers(("*",))

    def lease_for(self, receiver: str) -> tuple[str, float] | None:
        """Lease mail for ``receiver`` at emit time if it runs here, is ready and has room.

        Called inside the producer's transaction (on its database thread): the delivery
        row is written already leased to this process, so after the commit the mail goes
        straight into the mailbox with no claiming transaction. If anything goes wrong
        before it is applied, the lease is given back or runs out, and it is sent again.
        """
        service = self.services.get(receiver)
        if service is None or not service.ready or service.free_slots() <= 32:
            return None
        return self.owner, service.clock.now().timestamp() + self.lease_seconds

    def handoff(self, producer: str, leased: list[Claimed]) -> None:
        """Deliver mail leased at emit time (after the producer committed it)."""
        report = self.reporter(producer)
        for item in leased:
            receiver = self.services.get(item.destination)
            try:
                if receiver is None:
                    raise LookupError(item.destination)
                receiver.tell(Deliver(item, report))
            except (BoxOfficeError, LookupError):
                report(item, False)

    def reporter(self, producer: str) -> Any:
        """A callback for deliveries from ``producer``: acknowledge or give back."""

        def report(claimed: Claimed, applied: bool) -> None:
            (self._acknowledged if applied else self._released)[producer].append(
                claimed.delivery_id
            )
            self._flush_wake.set()
            if not applied:
                self.wake(producer, {claimed.destination})

        return report

    # --- moving mail --------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            # ``asyncio.timeout`` rather than ``asyncio.wait_for``: on Python 3.11,
            # wait_for swallows a cancellation that arrives just as the wake-up is set
            # (it returns the result instead), and ``stop`` then waited for ever.
            try:
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()
            except TimeoutError:
                self._hints.add(("*", "*"))
            self._wake.clear()
            hints, self._hints = self._hints, set()
            try:
                await self._move(hints)
            except asyncio.CancelledError:
                raise
            except BoxOfficeError as exc:  # a store went away under us: try again later
                log.info("dispatcher: %s", exc)
            except Exception:
                log.exception("dispatcher round failed")

    async def _move(self, hints: set[tuple[str, str]]) -> None:
        pairs: set[tuple[str, str]] = set()
        for producer, receiver in hints:
            if producer == "*":
                pairs |= await self._pending_everywhere()
            else:
                pairs.add((producer, receiver))
        for producer, receiver in sorted(pairs):
            full = await self._move_pair(producer, receiver)
            if full:
                self._hints.add((producer, receiver))
                self._wake.set()

    async def _pending_everywhere(self) -> set[tuple[str, str]]:
        """Which (producer, receiver) pairs have mail waiting, by a cheap read."""
        pairs: set[tuple[str, str]] = set()
        for name, service in self.services.items():
            if not service.store.is_open:
                continue
            receivers = await service.store.read(_receivers_with_mail, service.clock.now().timestamp())
            pairs |= {(name, r) for r in receivers}
        return pairs

    async def _move_pair(self, producer_name: str, receiver_name: str) -> bool:
        producer = self.services.get(producer_name)
        receiver = self.services.get(receiver_name)
        if producer is None or receiver is None:
            return False
        if not producer.store.is_open or not receiver.ready:
            return False
        room = min(self.claim_limit, receiver.free_slots() - 16)
        if room <= 0:
            return True
        claimed: list[Claimed] = await producer.store.write(
            lambda conn: claim(
                conn,
                destination=receiver_name,
                owner=self.owner,
                now=producer.clock.now().timestamp(),
                lease_seconds=self.lease_seconds,
                limit=room,
                is_sqlite=producer.store.is_sqlite,
            )
        )
        report = self.reporter(producer_name)
        for i, item in enumerate(claimed):
            try:
                receiver.tell(Deliver(item, report))
            except BoxOfficeError:  # stopped or full meanwhile: give the rest back
                for rest in claimed[i:]:
                    self._released[producer_name].append(rest.delivery_id)
                self._flush_wake.set()
                return False
        return len(claimed) == room

    # --- acknowledgements ---------------------------------------------------------------

    async def _flush_loop(self) -> None:
        while True:
            await self._flush_wake.wait()
            self._flush_wake.clear()
            try:
                await self._flush()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the producer's store closed: redelivery will dedupe
                log.info("dispatcher could not record delivery outcomes: %s", exc)

    async def _flush(self) -> None:
        for producer in list(self._acknowledged.keys() | self._released.keys()):
            acks = self._acknowledged.pop(producer, [])
            gives = self._released.pop(producer, [])
            service = self.services.get(producer)
            if service is None or not service.store.is_open or not (acks or gives):
                continue

            def record(conn: Any, acks: list[int] = acks, gives: list[int] = gives) -> None:
                acknowledge(conn, acks)
                release(conn, gives)

            await service.store.write(record)


def _receivers_with_mail(conn: Any, now: float) -> list[str]:
    return [r[0] for r in run(conn, _RECEIVERS_WITH_MAIL, {"now": now})]


_RECEIVERS_WITH_MAIL = SQL(
    "SELECT destination, count(*) FROM deliveries WHERE lease_until <= :now"
    " GROUP BY destination"
)
