import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    compose = shutil.which("docker-compose")
    assert compose, "docker-compose is installed by scripts/setup"
    return subprocess.run(
        [compose, "-f", "docker-compose.yml", "config"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_docker_compose_file_is_valid_and_wires_the_services():
    result = _compose_config({"TTHC_PSEUDONYM_SECRET": "a-secret-of-enough-length"})
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert {"kafka", "postgres", "dossier", "indicators", "prometheus", "grafana"} <= set(config["services"])
    assert config["services"]["kafka"]["image"].startswith("apache/kafka:4.")
    dossier_env = config["services"]["dossier"]["environment"]
    assert dossier_env["TTHC_DOSSIER_STORE_URL"].startswith("postgresql://")
    indicators_env = config["services"]["indicators"]["environment"]
    assert indicators_env["TTHC_INDICATORS_STORE_URL"].startswith("postgresql://")


def test_compose_and_k8s_commands_are_real_tthc_commands():
    from typer.main import get_command

    from tthc.cli.main import app

    root = get_command(app)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    manifests = [
        doc
        for path in (ROOT / "deploy/k8s/base").glob("*.yaml")
        for doc in yaml.safe_load_all(path.read_text())
    ]
    commands = [s["command"] for s in compose["services"].values() if s.get("image", "").startswith("tthc")]
    commands += [
        c["args"]
        for d in manifests
        for c in d.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    ]
    assert len(commands) >= 4
    for command in commands:
        group = root.commands[command[0]]  # type: ignore[attr-defined]
        assert command[1] in group.commands, command


def test_docker_compose_refuses_to_start_without_the_pseudonym_secret():
    env = {k: v for k, v in os.environ.items() if k != "TTHC_PSEUDONYM_SECRET"}
    result = subprocess.run(
        [shutil.which("docker-compose") or "docker-compose", "-f", "docker-compose.yml", "config", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "TTHC_PSEUDONYM_SECRET" in result.stderr


@pytest.mark.parametrize("manifest", sorted((ROOT / "deploy/k8s/base").glob("*.yaml")))
def test_k8s_manifests_parse_and_harden_every_container(manifest):
    for doc in yaml.safe_load_all(manifest.read_text()):
        assert doc
        assert "kind" in doc or "resources" in doc
        spec = doc.get("spec", {}).get("template", {}).get("spec", {})
        for container in spec.get("containers", []):
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["capabilities"]["drop"] == ["ALL"]
            assert "limits" in container["resources"]
