"""A throwaway Prometheus server for tests: the Debian ``prometheus`` binary on a free loopback port.

`LocalPrometheus` writes a config scraping the given ``host:port`` targets every second (by default) into
a temp dir, keeps its storage there, starts the binary and waits until it is ready; `stop()` terminates it
(SIGKILL after a grace period) and deletes the dir. `running_prometheus` wraps both in a context manager so
a fixture always stops it. `query` evaluates PromQL through the HTTP API (``/api/v1/query``).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from tthc.kit.kafka.process import free_port, tail

Sample = dict[str, Any]
"""One result of an instant query: ``{"metric": {labels}, "value": [time, "text"]}``."""


class PrometheusUnavailableError(RuntimeError):
    """The binary is missing, or the server did not become ready in time."""


class PrometheusQueryError(RuntimeError):
    """Prometheus refused a query (bad PromQL, or an execution error)."""


class LocalPrometheus:
    """One Prometheus process scraping `targets` (``host:port``) at `scrape_interval`; see the module doc."""

    def __init__(
        self,
        targets: Sequence[str],
        *,
        scrape_interval: str = "1s",
        job: str = "test",
        metrics_path: str = "/metrics",
        binary: str | None = None,
    ) -> None:
        self.targets, self.scrape_interval, self.job = tuple(targets), scrape_interval, job
        self.metrics_path = metrics_path
        self.binary = binary or shutil.which("prometheus") or "/usr/bin/prometheus"
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tthc-prometheus-"))
        self.log_file = self.root / "prometheus.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> dict[str, Any]:
        """The configuration the server runs with."""
        return {
            "global": {"scrape_interval": self.scrape_interval, "evaluation_interval": self.scrape_interval},
            "scrape_configs": [
                {
                    "job_name": self.job,
                    "scrape_timeout": self.scrape_interval,
                    "metrics_path": self.metrics_path,
                    "static_configs": [{"targets": list(self.targets)}],
                }
            ],
        }

    def start(self, timeout_s: float = 30.0) -> str:
        """Starts the server and waits until ``/-/ready`` answers; returns its URL.

        Raises:
            PrometheusUnavailableError: no binary, or not ready within `timeout_s` (the process is stopped).
        """
        if not Path(self.binary).is_file():
            raise PrometheusUnavailableError(
                f"no prometheus binary at {self.binary} (scripts/setup installs `prometheus`)"
            )
        config_file = self.root / "prometheus.yml"
        config_file.write_text(yaml.safe_dump(self.config()))
        command = [
            self.binary,
            f"--config.file={config_file}",
            f"--storage.tsdb.path={self.root / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        with self.log_file.open("wb") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=self.root)
        try:
            self._wait_ready(timeout_s)
        except PrometheusUnavailableError:
            self.stop()
            raise
        return self.url

    def stop(self, timeout_s: float = 10.0) -> None:
        """Terminates the server (SIGKILL after `timeout_s`) and deletes its directory."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout_s)
        shutil.rmtree(self.root, ignore_errors=True)

    def query(self, expr: str, timeout_s: float = 10.0) -> list[Sample]:
        """The result of an instant query at "now" (a vector's samples; a scalar as one sample).

        Raises:
            PrometheusQueryError: Prometheus answered with an error.
        """
        response = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=timeout_s)
        body = response.json()
        if body.get("status") != "success":
            raise PrometheusQueryError(f"{expr!r}: {body.get('errorType')}: {body.get('error')}")
        data = body["data"]
        if data["resultType"] in {"scalar", "string"}:
            return [{"metric": {}, "value": data["result"]}]
        result: list[Sample] = data["result"]
        return result

    def label_values(self, label: str, match: str) -> list[str]:
        """The values of `label` over the series selected by `match` (Grafana's ``label_values``).

        Raises:
            PrometheusQueryError: Prometheus answered with an error.
        """
        response = httpx.get(f"{self.url}/api/v1/label/{label}/values", params={"match[]": match}, timeout=10)
        body = response.json()
        if body.get("status") != "success":
            raise PrometheusQueryError(f"label {label} of {match!r}: {body.get('error')}")
        values: list[str] = body["data"]
        return values

    def targets_up(self) -> bool:
        """Every configured target was scraped successfully at least once (``up == 1``)."""
        found = self.query(f'up{{job="{self.job}"}}')
        return len(found) == len(self.targets) and all(sample["value"][1] == "1" for sample in found)

    def wait_until(
        self, condition: Callable[[], bool], timeout_s: float = 30.0, what: str = "condition"
    ) -> None:
        """Polls `condition` every scrape-ish (0.25 s) until true.

        Raises:
            TimeoutError: still false after `timeout_s`.
        """
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"Prometheus: {what} not reached in {timeout_s} s; log:\n{tail(self.log_file)}"
                )
            time.sleep(0.25)

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise PrometheusUnavailableError(f"prometheus exited:\n{tail(self.log_file)}")
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise PrometheusUnavailableError(f"prometheus not ready in {timeout_s} s:\n{tail(self.log_file)}")


@contextmanager
def running_prometheus(
    targets: Sequence[str], *, scrape_interval: str = "1s", job: str = "test", timeout_s: float = 30.0
) -> Iterator[LocalPrometheus]:
    """A started `LocalPrometheus`, always stopped on exit."""
    server = LocalPrometheus(targets, scrape_interval=scrape_interval, job=job)
    try:
        server.start(timeout_s)
        yield server
    finally:
        server.stop()
