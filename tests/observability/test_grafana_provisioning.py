"""The Grafana and Prometheus deployment files agree: data source uid, dashboard paths, scrape targets."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.observability import dashboard

ROOT = dashboard.ROOT
GRAFANA = ROOT / "deploy/grafana"
DATASOURCE_UID = "prometheus"


def _compose() -> dict[str, Any]:
    compose = shutil.which("docker-compose")
    assert compose, "docker-compose is installed by scripts/setup"
    done = subprocess.run(
        [compose, "-f", "docker-compose.yml", "config"],
        cwd=ROOT,
        env={**os.environ, "TTHC_PSEUDONYM_SECRET": "a-secret-of-enough-length"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    config: dict[str, Any] = yaml.safe_load(done.stdout)
    return config


def _mounts(volumes: list[Any]) -> dict[str, Path]:
    """Bind mounts by target path (docker-compose v1 prints "source:target:mode", v2 mappings)."""
    found: dict[str, Path] = {}
    for volume in volumes:
        if isinstance(volume, str):
            source, target, *_ = volume.split(":")
        else:
            source, target = volume.get("source", ""), volume["target"]
        if source.startswith(("/", ".")):
            found[target] = Path(source).resolve()
    return found


def _all_panels(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [panel for panel in document["panels"] if panel["type"] != "row"]


def test_the_dashboard_uses_the_provisioned_data_source_through_its_variable() -> None:
    document = dashboard.load()
    assert document["schemaVersion"] >= 36
    assert document["uid"] == "tthc-index-766"
    [source] = [v for v in document["templating"]["list"] if v["type"] == "datasource"]
    assert (source["name"], source["query"], source["current"]["value"]) == (
        "DS_PROMETHEUS",
        "prometheus",
        "prometheus",
    )
    for panel in _all_panels(document):
        assert panel["datasource"] == {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${DS_PROMETHEUS}"
    ids = [panel["id"] for panel in document["panels"]]
    assert len(ids) == len(set(ids))
    assert all(p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in document["panels"])


def test_the_dashboard_has_the_unit_and_period_variables_and_the_required_panels() -> None:
    document = dashboard.load()
    assert [v.name for v in dashboard.variables(document)] == ["unit", "period"]
    exprs = " ".join(query.expr for query in dashboard.queries(document))
    for needed in (
        'tthc_indicators_score{group="TOTAL", period="$period"}',
        'tthc_indicators_score{unit="$unit", group="TOTAL"}',
        "tthc_indicators_metric_ratio",
        "tthc_indicators_target_gap_ratio",
        "tthc_indicators_consumer_lag_records",
        "rate(tthc_indicators_events_processed_total[$__rate_interval])",
        "histogram_quantile(0.99, sum by (le) (rate(tthc_indicators_projection_latency_seconds_bucket",
    ):
        assert needed in exprs
    kinds = {panel["title"]: panel["type"] for panel in _all_panels(document)}
    assert kinds["Total index by unit"] == "bargauge"
    assert kinds["Total index trend — $unit"] == "timeseries"


def test_the_data_source_and_dashboard_providers_match_the_compose_mounts() -> None:
    [source] = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yaml").read_text())[
        "datasources"
    ]
    assert (source["uid"], source["type"], source["url"]) == (
        DATASOURCE_UID,
        "prometheus",
        "http://prometheus:9090",
    )
    [provider] = yaml.safe_load((GRAFANA / "provisioning/dashboards/tthc.yaml").read_text())["providers"]
    services = _compose()["services"]
    grafana = services["grafana"]
    assert grafana["image"].startswith("grafana/grafana:")
    mounts = _mounts(grafana["volumes"])
    assert mounts["/etc/grafana/provisioning"] == GRAFANA / "provisioning"
    assert mounts[provider["options"]["path"]] == GRAFANA / "dashboards"
    assert "prometheus" in grafana["depends_on"]
    prometheus_config = _mounts(services["prometheus"]["volumes"])["/etc/prometheus/prometheus.yml"]
    assert prometheus_config == ROOT / "deploy/prometheus/prometheus.yml"


def test_prometheus_scrapes_the_indicators_service_and_its_config_is_valid() -> None:
    config_file = ROOT / "deploy/prometheus/prometheus.yml"
    jobs = {job["job_name"]: job for job in yaml.safe_load(config_file.read_text())["scrape_configs"]}
    assert jobs["tthc-indicators"]["static_configs"][0]["targets"] == ["indicators:8081"]
    assert jobs["tthc-dossier"]["static_configs"][0]["targets"] == ["dossier:8080"]
    promtool = shutil.which("promtool")
    assert promtool, "promtool comes with the prometheus package (scripts/setup)"
    done = subprocess.run(
        [promtool, "check", "config", str(config_file)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
