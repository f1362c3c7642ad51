pytest_plugins = ["tthc.kit.testing.fixtures"]
