"""Benchmarks and harnesses of the dossier service on the real spine (event store → relay → Kafka).

``running`` runs the real service in a background thread; ``topic_window`` reads what a run put on a
shared topic; ``workload`` simulates a province; ``spine`` provides the broker and stores; ``feed_run``
measures one run (``sampler`` samples the relay lag, ``drain`` the relay's capacity); ``feed`` runs every
combination for ``tthc bench feed`` and ``report`` writes the results.
"""
