"""``python -m tthc.cli``: the same as the ``tthc`` command."""

from tthc.cli.main import main

main()
