"""The information service: the read side (CQRS), fed only by messages."""
