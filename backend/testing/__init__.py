"""Helpers for testing against the box office's one door, ``backend.api.BoxOfficeAPI``.

* ``settle(office, timeout=30.0)`` waits until a box office is quiet (no mail waiting,
  no sale mid-way): the one meaning of "settled", for the real ``BoxOffice`` and the fake.
* ``FakeOffice`` implements ``BoxOfficeAPI`` in memory (no database, no actors) for
  screen tests; ``tests/contract`` runs one suite against it and the real box office.

Never imports textual, and nothing heavy (no SQLAlchemy).
"""

from backend.testing.fake_office import FakeOffice
from backend.testing.settle import settle

__all__ = ["FakeOffice", "settle"]
