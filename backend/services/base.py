"""What every service has: an actor, its own store, and idempotent delivery handling.

A service applies a batch of deliveries in one transaction of its own database and
records each message id as processed in that same transaction. A handler is a method
marked with the types it takes, ``@handles(X)`` (``messaging/handlers.py``), called as
``handler(tx, envelope)``: plain synchronous code that changes tables and emits
messages, and cannot await anything. The marks are gathered into the class's
``handlers`` table when the class is built; the same tables decide who receives each
type (``messaging/routes.py``).

If a batch fails, its messages are applied one by one; a message that fails twice is
dead-lettered (kept, visible, retryable) so one poison message cannot stall the service.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Protocol, TypeVar

from sqlalchemy import Table

from backend.errors import DatabaseUnreachable, StorageError
from backend.messaging.envelope import Envelope
from backend.messaging.handlers import handler_table, handles  # noqa: F401 - for services
from backend.messaging.journal import (
    JOURNAL_TABLES,
    Claimed,
    DeadLetterRow,
    Tx,
    already_processed,
    dead_letter,
    dead_letter_by_id,
    dead_letters,
    from_epoch,
    mark_processed,
    pending_count,
    reopen_dead_letter,
)
from backend.messaging.messages import Message, message_class
from backend.messaging.wakeups import announce
from backend.runtime.actor import Actor, Deliver
from backend.runtime.clock import Clock
from backend.storage import Store

log = logging.getLogger(__name__)
T = TypeVar("T")

class Postman(Protocol):
    """Who carries a service's mail after it commits (the dispatcher)."""

    def lease_for(self, receiver: str) -> tuple[str, float] | None:
        """(owner, lease deadline) if this process can hand mail to ``receiver`` itself."""

    def handoff(self, producer: str, leased: list[Claimed]) -> None:
        """Put mail leased at emit time straight into the receivers' mailboxes."""

    def wake(self, producer: str | None = None, receivers: set[str] | None = None) -> None:
        """Mail was left for receivers this process could not take it to."""


#: How many recent facts (booking statuses...) a service remembers for fast waits.
RECENT_FACTS = 20_000


#: How long a service pauses applying mail after its database server did not answer
#: (the mail goes back to its journal meanwhile): a retry per half second, not a spin.
UNREACHABLE_PAUSE_S = 0.5


class Service(Actor):
    """An actor with a database of its own and the journal in it."""

    #: The service's own tables (the journal's are added).
    tables: list[Table] = []
    #: Message type -> the name of the method that applies it (from ``@handles``).
    handlers: ClassVar[dict[type[Message], str]] = {}
    #: The same by type name, as envelopes carry it.
    _handler_names: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.handlers = handler_table(cls)
        cls._handler_names = {kind.__name__: name for kind, name in cls.handlers.items()}

    def __init__(
        self,
        name: str,
        url: str,
        *,
        clock: Clock,
        postman: Postman | None = None,
        mailbox_size: int = 2000,
        ask_concurrency: int = 256,
    ) -> None:
        super().__init__(
            name, clock=clock, mailbox_size=mailbox_size, ask_concurrency=ask_concurrency
        )
        self.store = Store(name, url, [*self.tables, *JOURNAL_TABLES])
        self.postman = postman
        #: Facts established by recent commits (e.g. a booking's view status), newest last.
        self.recent: dict[object, object] = {}
        self._watchers: dict[str, list[asyncio.Event]] = defaultdict(list)
        #: Watchers woken by another box office's commit (``wake_watchers``): memory
        #: knows nothing of it, so their next check reads the tables whatever
        #: ``worth_checking`` would say.
        self._woken_elsewhere: set[asyncio.Event] = set()
        self._failures: dict[str, int] = defaultdict(int)

    # --- life cycle ---------------------------------------------------------------------

    async def on_start(self) -> None:
        await self.store.open()
        try:
            await self.recover()
        except BaseException:
            await self.store.close()
            raise

    async def on_stop(self) -> None:
        await self.store.close()

    async def recover(self) -> None:
        """Pick up work left unfinished by a crash (override where there is any)."""

    # --- transactions -------------------------------------------------------------------

    async def transact(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(tx, *args)`` in one write transaction, then wake whoever should know."""
        return await self._transact(fn, args, None)

    async def _transact(
        self, fn: Callable[..., T], args: tuple[Any, ...], committed: Callable[[], None] | None
    ) -> T:
        """``transact``; ``committed()`` runs after the commit, before watchers wake."""
        now = self.clock.now()
        holder: list[Tx] = []
        lease = self.postman.lease_for if self.postman is not None else None
        # on PostgreSQL other machines' box offices hear of this commit (``wakeups``)
        owner = (getattr(self.postman, "owner", None)
                 if not self.store.is_sqlite and self.postman is not None else None)

        def body(conn: Any) -> T:
            tx = Tx(conn, now, self.name, self.store.is_sqlite, lease)
            holder.append(tx)
            result = fn(tx, *args)
            if owner is not None and (tx.touched or tx.unleased):
                announce(conn, owner, self.name, tx.touched, tx.unleased)
            return result

        result = await self.store.write(body)
        tx = holder[-1]
        if self.postman is not None:
            if tx.leased:
                self.postman.handoff(self.name, tx.leased)
            if tx.unleased:
                self.postman.wake(self.name, tx.unleased)
        if tx.facts:
            for key, value in tx.facts.items():
                old = self.recent.get(key)
                if type(value) is int and type(old) is int and old > value:
                    continue  # ranks only grow
                self.recent[key] = value
            if len(self.recent) > RECENT_FACTS:
                for key in list(self.recent)[: RECENT_FACTS // 4]:
                    del self.recent[key]
        self.after_commit(tx)
        if committed is not None:
            committed()
        for key in tx.touched:
            for event in self._watchers.get(key, ()):
                event.set()
        return result

    def after_commit(self, tx: Tx) -> None:
        """Hook for in-memory state that follows the tables (caches); nothing by default."""

    def touched_elsewhere(self, keys: tuple[str, ...]) -> None:
        """Hook: another box office committed changes to ``keys`` (``"*"``: anything);
        caches of them must be read again. Nothing by default."""

    async def query(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(conn, *args)`` in a read transaction."""
        if not self.store.is_open:
            raise self.unavailable()
        return await self.store.read(fn, *args)

    async def wait_for(
        self,
        key: str,
        check: Callable[[], Awaitable[T | None]],
        timeout: float,
        poll: float = 0.25,
        worth_checking: Callable[[], bool] | None = None,
    ) -> T | None:
        """Wait until ``check()`` returns something, re-checking when ``key`` is touched.

        Polling covers changes made by another process on the same data directory.
        ``worth_checking`` is a cheap test from memory (no read): when ``key`` is touched
        by this process's own commit and it says no, ``check`` is not run. The first
        check and every poll run ``check`` regardless, as memory knows nothing of other
        processes.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        event = asyncio.Event()
        self._watchers[key].append(event)
        touched = False
        try:
            while True:
                event.clear()
                if not touched or worth_checking is None or worth_checking():
                    result = await check()
                    if result is not None:
                        return result
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return None
                try:  # not asyncio.wait_for: it costs a task per wait, and on 3.11
                    # it can swallow the caller's cancellation
                    async with asyncio.timeout(min(poll, remaining)):
                        await event.wait()
                    touched = event not in self._woken_elsewhere
                    self._woken_elsewhere.discard(event)
                except TimeoutError:
                    touched = False
        finally:
            self._woken_elsewhere.discard(event)
            self._watchers[key].remove(event)
            if not self._watchers[key]:
                del self._watchers[key]

    def wake_watchers(self, keys: tuple[str, ...]) -> None:
        """Another box office committed a change to ``keys`` (``"*"``: to anything):
        whoever waits on them looks at the tables now rather than at the next poll."""
        self.touched_elsewhere(keys)
        watched = list(self._watchers) if "*" in keys else keys
        for key in watched:
            for event in self._watchers.get(key, ()):
                self._woken_elsewhere.add(event)
                event.set()

    # --- deliveries ---------------------------------------------------------------------

    async def handle_deliveries(self, batch: list[Deliver]) -> None:
        def report() -> None:
            # Acknowledged before anyone waiting on the view is woken: whoever the view
            # tells "done" finds the mail gone from the journal too (the acks are
            # written by the dispatcher's next turn, which now comes first).
            for d in batch:
                d.report(d.claimed, True)

        try:
            await self._transact(self._apply, ([d.claimed.envelope for d in batch],), report)
        except DatabaseUnreachable as exc:
            # The server went away (restarting, network): give the batch back, to be
            # sent again once it answers, and stay up. Crashing would only restart the
            # service into the same wall, and its status would read "stopped" when
            # what is wrong is the database (the status line says that instead).
            self.last_error = str(exc)
            for d in batch:
                d.report(d.claimed, False)
            await asyncio.sleep(UNREACHABLE_PAUSE_S)
        except StorageError:
            raise
        except Exception:
            log.warning("%s: a batch of %d failed; applying one by one", self.name, len(batch))
            tried = 1 if len(batch) == 1 else 0  # a batch of one was the message's first try
            for d in batch:
                await self._apply_alone(d, tried)

    async def _apply_alone(self, delivery: Deliver, tried: int) -> None:
        envelope = delivery.claimed.envelope
        error = "failed in its batch"
        for _attempt in range(2 - tried):  # the message itself, then one retry
            try:
                await self.transact(self._apply, [envelope])
            except StorageError:
                raise
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.warning("%s could not apply %s: %s", self.name, envelope.type, error)
            else:
                delivery.report(delivery.claimed, True)
                return
        self.last_error = f"dead letter {envelope.type} {envelope.message_id[:8]}: {error}"
        await self.transact(
            lambda tx: dead_letter(tx.conn, envelope, error, 2, tx.now_epoch)
        )
        delivery.report(delivery.claimed, True)

    def _apply(self, tx: Tx, envelopes: list[Envelope]) -> None:
        done = already_processed(tx.conn, [e.message_id for e in envelopes])
        fresh: list[Envelope] = []
        for env in envelopes:
            if env.message_id in done:
                continue
            done.add(env.message_id)
            name = self._handler_names.get(env.type)
            if name is None:
                raise LookupError(f"{self.name} has no handler for {env.type}")
            getattr(self, name)(tx, env)  # on the instance: a replaced handler is used
            fresh.append(env)
        mark_processed(tx.conn, fresh, tx.now_epoch)

    # --- dead letters -------------------------------------------------------------------

    async def undelivered(self) -> int:
        """How many messages this service emitted still wait for a receiver to take them."""
        return await self.query(pending_count)

    async def dead_letters(self) -> list[DeadLetterRow]:
        """Messages this service gave up on, for an operator to see."""
        return await self.query(dead_letters)

    async def retry_dead_letter(self, message_id: str) -> bool:
        """Apply a dead letter again (after the cause was fixed). True if it applied now."""
        row = await self.query(dead_letter_by_id, message_id)
        if row is None or row.retried:
            return False
        envelope = Envelope.from_row(
            message_id=row.message_id,
            type=row.type,
            source=row.source,
            correlation_id=row.correlation_id,
            causation_id=row.causation_id,
            occurred_at=from_epoch(row.occurred_at),
            payload=row.payload,
        )
        message_class(row.type)  # fails loudly for a type that no longer exists

        def reapply(tx: Tx) -> None:
            reopen_dead_letter(tx.conn, message_id)
            self._apply(tx, [envelope])

        await self.transact(reapply)
        return True
