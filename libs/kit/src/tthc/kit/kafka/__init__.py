"""Apache Kafka plumbing: a local single-node broker from Maven jars, the suite's topic list, a CLI."""
