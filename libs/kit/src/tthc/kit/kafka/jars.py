"""The broker's jars: resolved once from Maven Central by ``deploy/kafka/pom.xml`` into a cache directory."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

# Written after a successful copy; its absence means the directory is missing or half-filled.
MARKER = ".complete"
_MAIN_JAR_PREFIX = "kafka_2.13-"


class JarFetchError(RuntimeError):
    """Maven could not resolve or copy the broker's dependencies."""


def jars_ready(libs_dir: Path) -> bool:
    """True when a previous fetch finished and the broker jar is present."""
    return (libs_dir / MARKER).is_file() and any(libs_dir.glob(f"{_MAIN_JAR_PREFIX}*.jar"))


def fetch_jars(pom: Path, libs_dir: Path, mvn: str = "mvn") -> bool:
    """Copy the broker and its runtime dependencies into ``libs_dir``; returns False if already complete."""
    if jars_ready(libs_dir):
        return False
    if shutil.which(mvn) is None:
        raise JarFetchError(f"Maven ({mvn!r}) is not installed; scripts/setup installs it")
    # A private staging directory: parallel test sessions may fetch at the same time.
    staging = libs_dir.with_name(f"{libs_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    command = [
        mvn, "-B", "-q", "-Dstyle.color=never", "-f", str(pom),
        "dependency:copy-dependencies", f"-DoutputDirectory={staging}",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise JarFetchError(f"mvn failed ({done.returncode}):\n{done.stdout[-4000:]}{done.stderr[-4000:]}")
    if jars_ready(libs_dir):  # another process finished first; keep its (identical) copy
        shutil.rmtree(staging, ignore_errors=True)
        return False
    (staging / MARKER).write_text(" ".join(sorted(p.name for p in staging.glob("*.jar"))) + "\n")
    # Swap in the complete directory at once so a reader never sees a half-filled one.
    shutil.rmtree(libs_dir, ignore_errors=True)
    staging.rename(libs_dir)
    return True
