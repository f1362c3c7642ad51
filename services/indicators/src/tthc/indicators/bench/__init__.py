"""``tthc bench index``: the indicators service measured on the real spine (Kafka, facts store, gRPC).

``workload`` makes a synthetic province's year of public events; ``publishing`` puts them on fresh topics;
``replay_run`` rebuilds the projection from them; ``queries`` times scorecards in-process and over gRPC;
``freshness`` times a new dossier event to a changed scorecard under a steady load; ``service`` runs the real
service in a child process; ``memory`` reads resident memory; ``index`` runs it all; ``report`` writes the
JSON result and the summary.
"""
