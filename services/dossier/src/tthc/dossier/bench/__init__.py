"""Benchmarks and harnesses of the dossier service on the real spine (event store → relay → Kafka).

``running`` runs the real service in a background thread; ``topic_window`` reads what a run put on a
shared topic; ``workload`` simulates a province; ``feed_run`` measures one run; ``report`` writes results.
"""
