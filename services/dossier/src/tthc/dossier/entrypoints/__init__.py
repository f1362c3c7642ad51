"""Entry points of the dossier service: HTTP, Kafka, gRPC and the command line. Thin adapters only."""
