"""Whose word counts for the client's address (security review, issue 19, finding 10)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from server.accounts.deps import client_ip


def _request(peer: str, forwarded: str | None = None) -> Any:
    headers = {"x-forwarded-for": forwarded} if forwarded is not None else {}
    return SimpleNamespace(client=SimpleNamespace(host=peer), headers=headers)


def test_forwarded_for_counts_only_from_a_trusted_proxy() -> None:
    # Loopback (Caddy on the same machine) is trusted by default; anyone else is not.
    assert client_ip(_request("127.0.0.1", "198.51.100.4")) == "198.51.100.4"
    assert client_ip(_request("203.0.113.9", "198.51.100.4")) == "203.0.113.9"
    assert client_ip(_request("203.0.113.9")) == "203.0.113.9"


def test_a_client_cannot_hide_behind_a_forged_first_hop() -> None:
    # The client wrote "1.2.3.4"; Caddy appended the address it saw: that one is the client.
    assert client_ip(_request("127.0.0.1", "1.2.3.4, 198.51.100.4")) == "198.51.100.4"
    # Hops added by trusted proxies are skipped.
    assert client_ip(_request("::1", "198.51.100.4, 127.0.0.1")) == "198.51.100.4"


def test_garbage_is_never_an_address_and_the_result_is_bounded() -> None:
    assert client_ip(_request("127.0.0.1", "x" * 500)) == "127.0.0.1"
    assert client_ip(_request("127.0.0.1", "")) == "127.0.0.1"
    assert len(client_ip(_request("y" * 500))) == 64
