"""Generates Python gRPC code from proto/ into each service's source tree.

`proto/tthc/<service>/v1/*.proto` (package `tthc.<service>.v1`) becomes
`services/<service>/src/tthc/<service>/v1/*_pb2*.py(i)`, so the generated absolute imports
(`from tthc.dossier.v1 import ...`) resolve inside the owning service's package.
Generated files are not committed (see .gitignore); this runs in scripts/setup and takes < 1 s.
"""

from __future__ import annotations

import importlib.resources
import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    protos = sorted((ROOT / "proto").rglob("*.proto"))
    by_service: dict[str, list[Path]] = {}
    for proto in protos:
        service = proto.relative_to(ROOT / "proto").parts[1]
        by_service.setdefault(service, []).append(proto)
    for service, files in by_service.items():
        out = ROOT / "services" / service / "src"
        for pkg in {f.parent for f in files}:
            (out / pkg.relative_to(ROOT / "proto") / "__init__.py").parent.mkdir(parents=True, exist_ok=True)
            (out / pkg.relative_to(ROOT / "proto") / "__init__.py").touch()
        well_known = importlib.resources.files("grpc_tools") / "_proto"
        args = [
            "protoc",
            f"-I{ROOT / 'proto'}",
            f"-I{well_known}",
            f"--python_out={out}",
            f"--pyi_out={out}",
            f"--grpc_python_out={out}",
            *map(str, files),
        ]
        if protoc.main(args) != 0:
            sys.exit(f"protoc failed for {service}")


if __name__ == "__main__":
    main()
