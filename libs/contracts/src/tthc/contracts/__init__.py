"""Public integration events of the suite: the only code services share about each other."""
