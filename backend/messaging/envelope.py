"""The envelope every durable message travels in.

The envelope carries what is needed to trace a saga across services: ``correlation_id``
is the booking (or hold) the message belongs to, so every message of one command shares
it; ``causation_id`` is the message that caused this one, so the app can show the chain.
The payload is a message dataclass from ``messages.py``; on disk it is JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from backend.ids import time_ordered_hex
from backend.messaging.messages import Message, message_class


def new_id() -> str:
    """A fresh, globally unique id (hex, 32 chars) that sorts by when it was made
    (``backend.ids``: keeps the journals' indexes append-mostly)."""
    return time_ordered_hex(32)


_FIELDS: dict[type, tuple[str, ...]] = {}


def encode_payload(payload: Message) -> str:
    """A message as JSON, the same text ``json.dumps(asdict(payload))`` gives.

    Every message is a flat dataclass of strings, numbers and lists or dicts of them,
    so a shallow dict of its fields is enough; ``asdict`` deep-copies every list on
    the way, which was a measurable share of each message's cost.
    """
    cls = type(payload)
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(payload))
    return _ENCODE({n: getattr(payload, n) for n in names})


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True, slots=True)
class Envelope:
    """One message with its identity and lineage."""

    message_id: str
    type: str
    source: str
    correlation_id: str
    causation_id: str | None
    occurred_at: datetime
    payload: Message = field(compare=False)
    #: The payload as JSON, kept so it is encoded (or decoded) once per message.
    raw: str | None = field(default=None, compare=False, repr=False)
    #: Position in the producer's outbox: later messages of one producer have larger
    #: numbers, which lets a receiver ignore news older than what it already applied.
    seq: int | None = field(default=None, compare=False)

    @classmethod
    def wrap(
        cls,
        payload: Message,
        *,
        source: str,
        correlation_id: str,
        causation_id: str | None,
        occurred_at: datetime,
    ) -> "Envelope":
        """Put a message in a new envelope."""
        return cls(
            message_id=new_id(),
            type=type(payload).__name__,
            source=source,
            correlation_id=correlation_id,
            causation_id=causation_id,
            occurred_at=occurred_at,
            payload=payload,
            raw=encode_payload(payload),
        )

    def payload_json(self) -> str:
        """The payload as stored in the journal."""
        if self.raw is not None:
            return self.raw
        return encode_payload(self.payload)

    @classmethod
    def from_row(
        cls,
        *,
        message_id: str,
        type: str,
        source: str,
        correlation_id: str,
        causation_id: str | None,
        occurred_at: datetime,
        payload: str | dict[str, Any],
        seq: int | None = None,
    ) -> "Envelope":
        """Rebuild an envelope read back from a journal table."""
        data = json.loads(payload) if isinstance(payload, str) else payload
        return cls(
            message_id=message_id,
            type=type,
            source=source,
            correlation_id=correlation_id,
            causation_id=causation_id,
            occurred_at=occurred_at,
            payload=message_class(type)(**data),
            raw=payload if isinstance(payload, str) else None,
            seq=seq,
        )
