"""The payment service: a simulated card and cash processor with idempotent captures."""
