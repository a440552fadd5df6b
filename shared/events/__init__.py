"""The event backbone: CloudEvents envelope, outbox, relay, consumer, topics and contracts."""
