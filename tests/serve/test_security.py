"""What a request must pass: the host check, the token under --lan, the cross-site check on
POSTs, the body limit, the paths that are never served, and the policy on every page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from guidecast.serve.security import MAX_BODY
from tests.serve.running import SMALL_ROUTINE, Server, serving, serving_a_folder

PAGES = ["/", "/add", "/log", "/r/lactation-massage", "/static/app.css", "/api/routines"]


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving_a_folder(tmp_path_factory.mktemp("serve-local")) as server:
        yield server


@pytest.fixture(scope="module")
def lan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("serve-lan"), "--lan") as server:
        yield server


def csrf(server: Server, cookies: str = "") -> tuple[str, str]:
    """A CSRF value as the first page gives it, and the Cookie header that carries it."""
    _, headers, _ = server.request("GET", "/", headers={"cookie": cookies} if cookies else None)
    value = headers["set-cookie"].split("guidecast_csrf=")[1].split(";")[0]
    return value, "; ".join(filter(None, [cookies, f"guidecast_csrf={value}"]))


def post(server: Server, path: str, data: object, **headers: str) -> tuple[int, bytes]:
    status, _, body = server.request("POST", path, json.dumps(data).encode(), headers)
    return status, body


def test_it_binds_loopback_only_and_says_so(local: Server) -> None:
    assert local.url.startswith("http://127.0.0.1:")
    assert local.token is None


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_strict_policy(local: Server, path: str) -> None:
    status, headers, _ = local.request("GET", path)
    assert status == 200
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_pages_have_no_inline_script_or_style(local: Server) -> None:
    for path in PAGES[:4]:
        _, _, body = local.request("GET", path)
        text = body.decode()
        assert "<script>" not in text and "<style" not in text and " style=" not in text
        assert " on" not in text.replace(" one", "").lower().split("<body")[1].split(">")[0]


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:80", "192.168.1.5:8765", "127.0.0.1.evil.example"]
)
def test_other_host_names_are_refused(local: Server, host: str) -> None:
    # A site that rebinds its own name to 127.0.0.1 sends its name as Host.
    status, _, _ = local.request("GET", "/api/routines", headers={"host": host})
    assert status == 421


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/s/../../etc/passwd",
        "/s/0123456789abcdef/0123456789abcdef/..%2f..%2fpractice.sqlite3",
        "/s/0123456789abcdef/0123456789abcdef/%2fetc%2fpasswd",
        "/s/..%2f..%2f/0123456789abcdef/x.mp3",
        "/r/..%2f..%2fetc%2fpasswd",
        "/r/%2e%2e",
        "/api/routines/..%2fwarm",
        "//etc/passwd",
        "/etc/passwd",
    ],
)
def test_no_path_outside_the_library_and_the_output_is_served(local: Server, path: str) -> None:
    status, _, body = local.request("GET", path)
    assert status == 404, (path, body[:200])


def test_a_post_needs_the_pages_own_origin_and_csrf_value(local: Server) -> None:
    value, cookies = csrf(local)
    body = {"text": SMALL_ROUTINE.replace("Warm hands", "Posted"), "name": "posted.yaml"}
    own = f"http://127.0.0.1:{local.port}"
    refused = [
        {"cookie": cookies},  # no header: a form or another page cannot set one
        {"cookie": cookies, "x-guidecast-csrf": "guessed"},
        {"cookie": cookies, "x-guidecast-csrf": value, "origin": "http://evil.example"},
        {"cookie": cookies, "x-guidecast-csrf": value, "origin": "null"},
        {"cookie": cookies, "x-guidecast-csrf": value, "sec-fetch-site": "cross-site"},
        {"cookie": cookies, "x-guidecast-csrf": value, "sec-fetch-site": "same-site"},
        {"x-guidecast-csrf": value, "origin": own},  # the header without its cookie
    ]
    for headers in refused:
        status, answer = post(local, "/api/routines", body, **headers)
        assert status == 403, (headers, answer)
    assert not (local.data / "routines").exists()  # nothing was stored
    status, answer = post(
        local, "/api/routines", body, cookie=cookies, origin=own, **{"x-guidecast-csrf": value}
    )
    assert status == 200, answer
    assert json.loads(answer)["url"] == "/r/posted"


def test_request_bodies_are_limited(local: Server) -> None:
    value, cookies = csrf(local)
    headers = {"cookie": cookies, "x-guidecast-csrf": value}
    # Declared too large: refused before a byte of it is read (none is sent here).
    status, _, _ = local.request(
        "POST", "/api/routines", None, {**headers, "content-length": str(2 * 1024 * 1024)}
    )
    assert status == 413
    # Streamed without a length: cut off once it passes the limit.
    big = b'{"text": "' + b"x" * (MAX_BODY + 10) + b'"}'
    chunked = f"{len(big):x}\r\n".encode() + big + b"\r\n0\r\n\r\n"
    status, _, _ = local.request(
        "POST", "/api/routines", chunked, {**headers, "transfer-encoding": "chunked"}
    )
    assert status == 413
    assert not (local.data / "routines" / "x.yaml").exists()


def test_lan_refuses_a_request_without_the_token(lan: Server) -> None:
    assert lan.token and len(lan.token) >= 24
    for path in ["/", "/api/routines", "/static/app.css", "/sw.js", "/log.csv"]:
        status, _, body = lan.request("GET", path)
        assert status == 403, path
        assert b"access link" in body
    status, _, _ = lan.request("GET", "/?token=wrong-token")
    assert status == 403
    status, _, _ = lan.request("GET", "/", headers={"cookie": "guidecast_token=wrong"})
    assert status == 403


def test_lan_lets_the_token_in_and_keeps_it_in_a_cookie(lan: Server) -> None:
    status, headers, _ = lan.request("GET", f"/log?token={lan.token}&x=1")
    assert status == 303
    assert headers["location"] == "/log?x=1"  # the token leaves the address bar
    cookie = headers["set-cookie"]
    assert f"guidecast_token={lan.token}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    jar = f"guidecast_token={lan.token}"
    status, _, body = lan.request("GET", "/api/routines", headers={"cookie": jar})
    assert status == 200
    assert json.loads(body)["routines"]
    # A POST with the token still needs the CSRF value.
    status, _ = post(lan, "/api/log", {"id": 1, "played": 1}, cookie=jar)
    assert status == 403


def test_a_redirect_never_leaves_the_server(lan: Server) -> None:
    status, headers, _ = lan.request("GET", f"//evil.example/?token={lan.token}")
    assert status == 303
    assert headers["location"].startswith("/") and not headers["location"].startswith("//")


def test_a_port_in_use_is_one_line_and_exit_1(local: Server, tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "guidecast", "serve", "--port", str(local.port), "--no-qr"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "GUIDECAST_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert f"cannot listen on 127.0.0.1:{local.port}" in result.stderr
    assert "Traceback" not in result.stderr
