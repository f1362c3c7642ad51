"""Puts the repository's source roots on the virtualenv's path and writes the `tthc` launcher.

One environment serves the whole repository; the `tthc` namespace package spans the source roots
listed in pyproject.toml ([tool.tthc] source-roots), so a `.pth` file is all the "install" needed.
"""

from __future__ import annotations

import sys
import sysconfig
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    roots = [str(ROOT / r) for r in config["tool"]["tthc"]["source-roots"]]
    site = Path(sysconfig.get_paths()["purelib"])
    (site / "tthc-suite.pth").write_text("\n".join(roots) + "\n")
    launcher = Path(sys.executable).parent / "tthc"
    # the guard: worker processes (a parallel replay) are spawned and import the main module again
    launcher.write_text(
        f'#!{sys.executable}\nfrom tthc.cli.main import main\n\nif __name__ == "__main__":\n    main()\n'
    )
    launcher.chmod(0o755)


if __name__ == "__main__":
    main()
