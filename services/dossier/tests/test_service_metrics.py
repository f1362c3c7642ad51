import asyncio
import re

import httpx

from tthc.dossier.bootstrap import build, serve
from tthc.dossier.config import DossierSettings
from tthc.dossier.feed.auth import hash_token

TOKEN = "metrics-test-token"
GOOD = {
    "MaHoSo": "H48.40.01-240304-00001",
    "MaTTHC": "1.004884",
    "KenhThucHien": "2",
    "ChuHoSo": "Nguyễn Văn An",
    "SoGiayToChuHoSo": "000123456789",
    "NgayNopHoSo": "20240304081500",
    "NgayTiepNhan": "20240304081500",
    "NgayHenTra": "20240311081500",
    "TrangThaiHoSo": "2",
    "DonViXuLy": "H48.40.01",
}
BAD_DATE = {**GOOD, "MaHoSo": "H48.40.01-240304-00002", "NgayTiepNhan": "2024-03-04"}


def _value(metrics: str, name: str, **labels: str) -> float:
    pattern = rf"^{re.escape(name)}(?:\{{([^}}]*)\}})? ([0-9.e+-]+)$"
    total = 0.0
    for found in re.finditer(pattern, metrics, re.MULTILINE):
        present = dict(re.findall(r'(\w+)="([^"]*)"', found.group(1) or ""))
        if all(present.get(k) == v for k, v in labels.items()):
            total += float(found.group(2))
    return total


async def _scrape_after_push(settings: DossierSettings) -> str:
    service = build(settings)
    stop = asyncio.Event()
    scraped: dict[str, str] = {}

    async def on_ready(endpoints) -> None:
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            answer = await client.post(endpoints.feed_url, json=[GOOD, BAD_DATE, GOOD])
            assert answer.status_code == 200
            assert [r["result"] for r in answer.json()["results"]] == ["accepted", "rejected", "duplicate"]
            scraped["text"] = (await client.get(endpoints.metrics_url)).text
        stop.set()

    await serve(service, stop, on_ready=on_ready)
    return scraped["text"]


def test_metrics_count_feed_records_commands_and_store_writes(tmp_path):
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text(f"tokens:\n  {hash_token(TOKEN)}: H48\n")
    settings = DossierSettings(
        store_url=f"sqlite:///{tmp_path / 'store.db'}",
        kafka_enabled=False,
        http_port=0,
        grpc_address="127.0.0.1:0",
        pseudonym_secret="a-test-secret-of-enough-length",
        feed_tokens_file=tokens,
    )
    metrics = asyncio.run(_scrape_after_push(settings))
    assert _value(metrics, "tthc_dossier_feed_records_total", outcome="accepted") == 1
    assert _value(metrics, "tthc_dossier_feed_records_total", outcome="duplicate") == 1
    assert _value(metrics, "tthc_dossier_feed_records_total", outcome="rejected", reason="bad_date") == 1
    assert _value(metrics, "tthc_dossier_commands_total", command="receive", outcome="applied") == 1
    assert _value(metrics, "tthc_dossier_event_store_write_seconds_count") >= 2  # catalogue + the dossier
    assert _value(metrics, "tthc_dossier_relay_lag_events") == 0
