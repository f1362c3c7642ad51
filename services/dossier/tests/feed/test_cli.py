from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

from tthc.dossier.entrypoints.cli_feed import feed_app
from tthc.dossier.entrypoints.http import build_http_app
from tthc.dossier.feed.files import dump_records
from tthc.dossier.feed.intake import FeedIntake

from .conftest import PROVINCE_TOKEN, WARD_TOKEN, dossier_record, history_record

runner = CliRunner()


@pytest.fixture
def feed_url(intake: FeedIntake) -> Iterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(build_http_app(intake), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("feed server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def write(path: Path, records: list[object]) -> Path:
    path.write_text(dump_records(records), encoding="utf-8")  # type: ignore[arg-type]
    return path


def push(*args: str) -> tuple[int, list[dict[str, object]], str]:
    result = runner.invoke(feed_app, ["push", *args])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.output


def test_push_json_prints_one_object_per_record_and_fails_on_rejections(feed_url, tmp_path):
    path = write(
        tmp_path / "batch.json",
        [dossier_record(), dossier_record(MaHoSo="H48.40.01-240304-00002", NgayTiepNhan="hôm nay")],
    )
    code, lines, _ = push(str(path), "--url", feed_url, "--token", WARD_TOKEN, "--json")
    assert code == 1
    assert [set(line) for line in lines] == [{"MaHoSo", "result", "errors"}] * 2
    assert [(line["MaHoSo"], line["result"]) for line in lines] == [
        ("H48.40.01-240304-00001", "accepted"),
        ("H48.40.01-240304-00002", "rejected"),
    ]
    assert lines[1]["errors"][0]["field"] == "NgayTiepNhan"


def test_push_succeeds_when_nothing_is_rejected_and_a_resend_is_duplicate(feed_url, tmp_path):
    dossiers = write(tmp_path / "1-dossiers.json", [dossier_record()])
    history = write(tmp_path / "2-history.json", [history_record()])
    code, lines, _ = push(str(dossiers), str(history), "--url", feed_url, "--token", WARD_TOKEN, "--json")
    assert (code, [line["result"] for line in lines]) == (0, ["accepted", "accepted"])
    code, lines, _ = push(str(dossiers), str(history), "--url", feed_url, "--token", WARD_TOKEN, "--json")
    assert (code, [line["result"] for line in lines]) == (0, ["duplicate", "duplicate"])


def test_push_reads_url_and_token_from_the_environment_and_prints_a_table(feed_url, tmp_path, monkeypatch):
    monkeypatch.setenv("TTHC_FEED_URL", feed_url)
    monkeypatch.setenv("TTHC_FEED_TOKEN", PROVINCE_TOKEN)
    code, _, output = push(str(write(tmp_path / "one.json", [dossier_record()])))
    assert code == 0
    assert "H48.40.01-240304-00001" in output
    assert "accepted" in output


@pytest.mark.parametrize(
    ("token", "body", "message"), [("wrong", "[]", "HTTP 401"), (WARD_TOKEN, "[{", "HTTP 400")]
)
def test_push_reports_server_errors_and_exits_non_zero(feed_url, tmp_path, token, body, message):
    path = tmp_path / "f.json"
    path.write_text(body, encoding="utf-8")
    code, _, output = push(str(path), "--url", feed_url, "--token", token)
    assert code != 0
    assert message in output


def test_simulate_writes_files_that_push_cleanly_twice(feed_url, tmp_path):
    out = tmp_path / "feed"
    result = runner.invoke(
        feed_app, ["simulate", "--days", "3", "--seed", "5", "--out", str(out), "--batch", "20"]
    )
    assert result.exit_code == 0, result.output
    files = sorted(str(path) for path in out.iterdir())
    code, lines, _ = push(*files, "--url", feed_url, "--token", WARD_TOKEN, "--json")
    assert code == 0
    assert lines
    assert {line["result"] for line in lines} == {"accepted"}
    code, again, _ = push(*files, "--url", feed_url, "--token", WARD_TOKEN, "--json")
    assert (code, len(again)) == (0, len(lines))
    assert {line["result"] for line in again} == {"duplicate"}


def test_simulate_pushes_to_a_server(feed_url):
    args = [
        "simulate",
        "--days",
        "2",
        "--seed",
        "1",
        "--push",
        feed_url,
        "--token",
        PROVINCE_TOKEN,
        "--province",
        "H48",
    ]
    result = runner.invoke(feed_app, [*args, "--dossiers-per-unit-day", "0.5"])
    assert result.exit_code == 0, result.output
    assert "rejected: 0" in result.output
    accepted = re.search(r"accepted: (\d+)", result.output)
    assert accepted is not None
    assert int(accepted.group(1)) > 0


def test_simulate_needs_exactly_one_destination():
    assert runner.invoke(feed_app, ["simulate", "--days", "1"]).exit_code != 0
