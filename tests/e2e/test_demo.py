import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.kafka]


def _demo(var: Path, bootstrap: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tthc.cli",
            "demo",
            "--once",
            "--days",
            "2",
            "--http-port",
            "0",
            "--grpc-port",
            "0",
            "--var",
            str(var),
        ],
        cwd=ROOT,
        env={**os.environ, "TTHC_KAFKA_BOOTSTRAP_SERVERS": bootstrap},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _feed_counts(output: str) -> dict[str, int]:
    line = next(line for line in output.splitlines() if line.startswith("feed "))
    return {key: int(value) for key, value in re.findall(r"(accepted|duplicate|rejected) (\d+)", line)}


def test_demo_pushes_the_simulated_feed_relays_it_and_is_idempotent_on_rerun(kafka_bootstrap, tmp_path):
    first = _demo(tmp_path, kafka_bootstrap)
    assert first.returncode == 0, first.stderr[-3000:]
    counts = _feed_counts(first.stdout)
    assert counts["accepted"] > 100
    assert counts["rejected"] == 0
    assert "lag 0" in first.stdout
    assert re.search(r"feed endpoint\s+POST http://127\.0\.0\.1:\d+/v1/feed/dossiers", first.stdout)
    assert re.search(r"gRPC\s+127\.0\.0\.1:\d+", first.stdout)
    assert "Bộ chỉ số 766 — H48.40.01" in first.stdout
    assert "Bộ chỉ số 766 — H48 " in first.stdout
    totals = re.findall(r"\(live, provisional\) · total (\d+\.\d+) / 100", first.stdout)
    assert len(totals) == 2
    assert all(0 < float(total) <= 100 for total in totals)

    second = _demo(tmp_path, kafka_bootstrap)
    assert second.returncode == 0, second.stderr[-3000:]
    again = _feed_counts(second.stdout)
    assert again == {"accepted": 0, "duplicate": counts["accepted"], "rejected": 0}
