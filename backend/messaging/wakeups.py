"""Wake-ups between box offices on PostgreSQL: ``NOTIFY`` when a commit matters to others,
``LISTEN`` to hear other machines' commits.

A box office learns of its own commits at once (the dispatcher's hints, the services'
watchers), and of other processes' only by polling: mail every half second, a seat map
every half second. That is fine on one machine; across machines it makes a hold on one
terminal show on another's seat map up to a second later, and every hop of a saga that
crosses machines waits for a poll. So on PostgreSQL a write transaction that left mail
for others or touched a watched key (a show's seat map, a booking's timeline) also
sends ``pg_notify`` on ``CHANNEL``; PostgreSQL delivers it to every listening session
when (and only if) the transaction commits. Each box office listens on every PostgreSQL
database its services use and, for another owner's notice, wakes its dispatcher for
that mail and sets its watchers of those keys.

A notice is only a hint. The truth is still the tables, read by whoever is woken; a
notice that is lost (a listener reconnecting, a server restart) costs at most a poll
interval, because polling stays on as the fallback, and after a reconnect everything
is looked at once. SQLite has no such thing and needs none (one machine: polls are cheap
and this process's own commits wake it directly).

psycopg's async connection is used for listening (``notifies()``): SQLAlchemy has no
LISTEN API, and one idle connection per database per process is all it costs.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url

from backend.runtime.tasks import cancel_and_wait
from backend.sql import SQL, run

log = logging.getLogger(__name__)

#: The channel every box office notifies and listens on (one per database).
CHANNEL = "cinema_wakeups"
#: More keys than this in one commit are sent as "everything" (``*``): a notice's
#: payload is limited to 8000 bytes, and such a commit is a bulk change anyway.
MOST_KEYS = 40
#: Seconds between attempts to listen again after the server went away (doubling).
RETRY_FIRST_S, RETRY_MOST_S = 0.5, 5.0

_NOTIFY = SQL("SELECT pg_notify(:channel, :payload)")


@dataclass(frozen=True, slots=True)
class Notice:
    """What another box office's commit told us: whose, which service, which watched
    keys it touched (``("*",)`` for all) and which receivers it left mail for."""

    owner: str
    service: str
    keys: tuple[str, ...]
    mail_for: tuple[str, ...]

    @classmethod
    def parse(cls, payload: str) -> Notice | None:
        """A notice from its payload, or None for anything malformed (it is only a hint,
        and anyone with access to the database may notify the channel)."""
        try:
            data = json.loads(payload)
            notice = cls(str(data["o"]), str(data["s"]),
                         tuple(str(k) for k in data.get("k", ())),
                         tuple(str(m) for m in data.get("m", ())))
        except (ValueError, KeyError, TypeError):
            return None
        return notice


def announce(conn: Any, owner: str, service: str, keys: Iterable[str],
             mail_for: Iterable[str]) -> None:
    """Inside a write transaction on PostgreSQL: tell other box offices, at commit, that
    ``service`` touched ``keys`` and left mail for ``mail_for``."""
    keys = sorted(set(keys))
    payload = json.dumps({
        "o": owner, "s": service,
        "k": keys if len(keys) <= MOST_KEYS else ["*"],
        "m": sorted(set(mail_for)),
    }, separators=(",", ":"))
    run(conn, _NOTIFY, {"channel": CHANNEL, "payload": payload})


def listen_address(url: str) -> str:
    """psycopg's connection string for a SQLAlchemy URL (``postgresql+psycopg://``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """Listens on one PostgreSQL database for as long as it runs; calls ``heard`` with
    each notice from another owner, and ``reconnected`` after it listens again (whatever
    was said meanwhile was missed: look at everything)."""

    def __init__(self, url: str, me: str, heard: Callable[[Notice], None],
                 reconnected: Callable[[], None]) -> None:
        self.url = url
        self.me = me
        self.heard = heard
        self.reconnected = reconnected
        #: Whether it is listening right now (for tests and the Ops screen).
        self.listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="wakeup-listener")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _run(self) -> None:
        import psycopg  # only box offices with a PostgreSQL database get here

        pause = RETRY_FIRST_S
        first = True
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                        listen_address(self.url), autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    if not first:
                        self.reconnected()
                    first, pause = False, RETRY_FIRST_S
                    async for note in conn.notifies():
                        notice = Notice.parse(note.payload)
                        if notice is not None and notice.owner != self.me:
                            self.heard(notice)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the server went away: listen again
                log.info("not listening for wake-ups (%s); again in %.1f s",
                         type(exc).__name__, pause)
            self.listening.clear()
            first = False
            await asyncio.sleep(pause)
            pause = min(pause * 2, RETRY_MOST_S)
