"""Message handlers registered by the type they take, not found by their name.

A service method that applies a message says which types it takes::

    @handles(BookingPaid)
    def on_BookingPaid(self, tx: Tx, env: Envelope) -> None: ...

When a service class is built (``Service.__init_subclass__``), ``handler_table`` gathers
its marked methods into a table of message type -> method name. Two things follow from
that one table, so they cannot drift apart: the service applies exactly the types in it,
and ``routes.ROUTES`` sends each type to exactly the services whose tables have it. A
typo, a dropped handler or a type nobody handles is then a failure of the contract test
(or a ``TypeError`` when the class is built), not a dead letter found at run time.

The table keeps the method's *name*, and the service looks the method up on the
instance when a message arrives, so replacing a handler on one instance (as the tests do
to poison a message) still takes effect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from backend.messaging.messages import Message, is_message_type

F = TypeVar("F", bound=Callable[..., object])

#: The attribute ``@handles`` leaves on a method: the message types it takes.
MARK = "__handles__"


def handles(*types: type[Message]) -> Callable[[F], F]:
    """Mark a method as the handler of these message types (one or more)."""
    if not types:
        raise TypeError("@handles needs at least one message type")
    for kind in types:
        if not is_message_type(kind):
            raise TypeError(f"@handles({kind!r}): not a registered message type")

    def mark(method: F) -> F:
        setattr(method, MARK, (*getattr(method, MARK, ()), *types))
        return method

    return mark


def handler_table(cls: type) -> dict[type[Message], str]:
    """Message type -> name of the method of ``cls`` that handles it (inherited marks too).

    A class that marks two of its methods for one type is refused; a subclass may take
    a type over from its base with a method of its own.
    """
    table: dict[type[Message], str] = {}
    for klass in reversed(cls.__mro__):
        own: dict[type[Message], str] = {}
        for name, attr in vars(klass).items():
            for kind in getattr(attr, MARK, ()) if callable(attr) else ():
                if kind in own and own[kind] != name:
                    raise TypeError(
                        f"{klass.__name__} handles {kind.__name__} twice: "
                        f"{own[kind]} and {name}"
                    )
                own[kind] = name
        table.update(own)
    return table
