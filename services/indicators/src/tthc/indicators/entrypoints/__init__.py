"""Entry points of the indicators service (CLI, gRPC, Kafka)."""
