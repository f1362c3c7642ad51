from __future__ import annotations

import hashlib

import pytest

from tthc.dossier.feed.auth import (
    Caller,
    FeedAuthConfigError,
    TokenAuth,
    hash_token,
    load_token_file,
    parse_token_mapping,
)

from .conftest import OTHER_WARD, PROVINCE, WARD


def test_tokens_are_configured_by_their_sha256(units):
    auth = TokenAuth({hashlib.sha256(b"s3cret").hexdigest(): WARD}, units)
    assert auth.authenticate("s3cret") == Caller(WARD)
    assert auth.authenticate("other") is None
    assert auth.authenticate(None) is None


def test_a_clear_token_in_the_configuration_is_refused(units):
    with pytest.raises(FeedAuthConfigError, match="SHA-256"):
        TokenAuth({"s3cret": WARD}, units)


def test_a_token_for_an_unknown_unit_is_refused(units):
    with pytest.raises(FeedAuthConfigError, match="unknown unit"):
        TokenAuth({hash_token("t"): "H99"}, units)


def test_a_province_pushes_its_descendants_and_a_ward_only_itself(units):
    assert Caller(PROVINCE).may_push(WARD, units)
    assert Caller(PROVINCE).may_push(PROVINCE, units)
    assert Caller(WARD).may_push(WARD, units)
    assert not Caller(WARD).may_push(OTHER_WARD, units)
    assert not Caller(WARD).may_push(PROVINCE, units)
    assert not Caller(PROVINCE).may_push("H99", units)
    assert Caller.trusted().may_push(OTHER_WARD, units)


def test_the_token_file_may_be_yaml_with_a_tokens_key(tmp_path):
    digest = hash_token("abc")
    path = tmp_path / "tokens.yaml"
    path.write_text(f"tokens:\n  {digest}: {WARD}\n", encoding="utf-8")
    assert load_token_file(path) == {digest: WARD}


def test_the_token_mapping_may_come_from_json_or_pairs():
    a, b = hash_token("a"), hash_token("b")
    assert parse_token_mapping(f'{{"{a}": "{WARD}"}}') == {a: WARD}
    assert parse_token_mapping(f"{a}={WARD}, {b}={PROVINCE}") == {a: WARD, b: PROVINCE}
    with pytest.raises(FeedAuthConfigError):
        parse_token_mapping("just-a-token")
