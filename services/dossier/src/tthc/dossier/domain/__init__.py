"""Pure domain of the dossier service: no I/O, no frameworks beyond eventsourcing aggregates."""
