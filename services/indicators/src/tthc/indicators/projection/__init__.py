"""Projections of the indicators service: public events from Kafka → dossier and procedure facts.

- `decoding`: CloudEvent bytes → a typed `InboundEvent` (or `UnreadableEventError`).
- `mapping` / `mapping_catalogue`: pure evolution of `DossierFacts` and `ProcedureFacts` from public events.
- `sequencing`: the pure exactly-once rule (apply version n+1, skip duplicates, park events ahead of a gap).
- `store`: the facts store on SQLite or PostgreSQL; one transaction per polled batch.
"""
