"""The actor runtime: clocks, actors with bounded mailboxes, the supervisor."""
