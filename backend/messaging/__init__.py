"""Messages between services: envelopes, the message types, the durable journal, the dispatcher."""
