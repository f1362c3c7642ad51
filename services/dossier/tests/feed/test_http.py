from __future__ import annotations

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tthc.dossier.domain.errors import DossierNotFoundError
from tthc.dossier.entrypoints.http import build_http_app
from tthc.dossier.feed.intake import FeedIntake

from .conftest import (
    CODE,
    OTHER_WARD_TOKEN,
    PROVINCE_TOKEN,
    WARD,
    WARD_TOKEN,
    dossier_record,
    history_record,
)


def client_for(intake: FeedIntake, **options) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    app = build_http_app(intake, **options)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://feed.test")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_batch_gets_per_record_results_and_counts(intake, app):
    async with client_for(intake) as client:
        response = await client.post(
            "/v1/feed/dossiers",
            json=[dossier_record(), dossier_record(NgayTiepNhan="2024-03-01")],
            headers=bearer(WARD_TOKEN),
        )
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (1, 0, 1)
    assert [r["result"] for r in body["results"]] == ["accepted", "rejected"]
    assert body["results"][1]["errors"] == [
        {"field": "NgayTiepNhan", "reason": "not a date in yyyyMMddHHmmss: '2024-03-01'"}
    ]
    assert app.get(CODE).received_at is not None


async def test_a_single_object_is_a_batch_of_one(intake):
    async with client_for(intake) as client:
        response = await client.post("/v1/feed/dossiers", json=dossier_record(), headers=bearer(WARD_TOKEN))
    assert response.json()["accepted"] == 1


async def test_an_unparseable_body_is_a_400_with_line_and_column(intake):
    async with client_for(intake) as client:
        response = await client.post(
            "/v1/feed/dossiers", content=b'[\n  {"MaHoSo": "A",\n  }\n]', headers=bearer(WARD_TOKEN)
        )
    assert response.status_code == 400
    body = response.json()
    assert (body["line"], body["column"]) == (3, 3)
    assert "line 3 column 3" in body["error"]


@pytest.mark.parametrize("headers", [{}, bearer("not-a-known-token"), {"Authorization": "Basic abc"}])
async def test_a_missing_or_unknown_token_is_a_401(intake, app, headers):
    async with client_for(intake) as client:
        response = await client.post("/v1/feed/dossiers", json=[dossier_record()], headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    with pytest.raises(DossierNotFoundError):
        app.get(CODE)


async def test_a_token_of_another_unit_gets_wrong_unit_per_record(intake):
    async with client_for(intake) as client:
        response = await client.post(
            "/v1/feed/dossiers", json=[dossier_record()], headers=bearer(OTHER_WARD_TOKEN)
        )
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["result"] == "rejected"
    assert result["errors"][0]["field"] == "DonViXuLy"
    assert WARD in result["errors"][0]["reason"]


async def test_the_province_token_pushes_ward_dossiers(intake):
    async with client_for(intake) as client:
        response = await client.post(
            "/v1/feed/dossiers", json=[dossier_record()], headers=bearer(PROVINCE_TOKEN)
        )
    assert response.json()["accepted"] == 1


async def test_a_body_over_the_limit_is_a_413(intake):
    async with client_for(intake, max_body_bytes=1000) as client:
        response = await client.post(
            "/v1/feed/dossiers", json=[dossier_record()] * 5, headers=bearer(WARD_TOKEN)
        )
    assert response.status_code == 413


async def test_history_items_have_their_own_endpoint(intake, app):
    async with client_for(intake) as client:
        await client.post("/v1/feed/dossiers", json=[dossier_record()], headers=bearer(WARD_TOKEN))
        response = await client.post("/v1/feed/history", json=[history_record()], headers=bearer(WARD_TOKEN))
    assert response.json()["accepted"] == 1
    assert len(app.get(CODE).history) == 1


async def test_health_and_extra_routes(intake):
    extra = Route("/metrics", lambda _: PlainTextResponse("tthc_up 1"))
    async with client_for(intake, extra_routes=[extra]) as client:
        health = await client.get("/healthz")
        metrics = await client.get("/metrics")
    assert health.json() == {"status": "ok"}
    assert metrics.text == "tthc_up 1"
