"""Test support: the pytest plugin with real Kafka and PostgreSQL servers, and a sample event-sourced app."""
