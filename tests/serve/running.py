"""A real `guidecast serve` on 127.0.0.1 for the tests: started as a user starts it, in a
process of its own on a free port, stopped with SIGINT (as Ctrl-C), killed only if it hangs."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

SMALL_ROUTINE = """\
guidecast: 1
title: Warm hands, calm breath
description: A short routine to warm and rest your hands.
language: en
source: the serve tests
intro: Welcome.
outro: That is all.
steps:
  - id: warm
    title: Warm your hands
    say: Rub your hands together until they feel warm.
    duration: 4-12s
  - id: circles
    title: Slow circles
    say: Make slow circles with your fingertips.
    duration: 6s
    sides: {names: [left side, right side], pause: 1s}
  - id: rest
    title: Rest
    say: Rest your hands in your lap.
    duration: 4s
"""


@dataclass
class Server:
    url: str  # as printed: with ?token=... under --lan
    process: subprocess.Popen[str]
    data: Path
    out: Path
    lines: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        parts = urlsplit(self.url)
        return f"http://127.0.0.1:{parts.port}"

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 0)

    @property
    def token(self) -> str | None:
        match = re.search(r"token=([\w-]+)", self.url)
        return match.group(1) if match else None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One raw HTTP request (no client-side path cleaning: `..` goes out as written)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            sent = {"host": f"127.0.0.1:{self.port}", **(headers or {})}
            if body is not None and "transfer-encoding" not in sent:
                sent.setdefault("content-length", str(len(body)))
            for name, value in sent.items():
                connection.putheader(name, value)
            connection.endheaders(body)
            response = connection.getresponse()
            got = {k.lower(): v for k, v in response.getheaders()}
            got["set-cookie"] = "\n".join(response.headers.get_all("set-cookie") or [])
            return response.status, got, response.read()
        finally:
            connection.close()


@contextmanager
def serving(tmp: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    data, out = tmp / "data", tmp / "out"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "guidecast",
            "serve",
            "--port",
            "0",
            "--no-qr",
            "-o",
            str(out),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "GUIDECAST_DATA_DIR": str(data), **(env or {})},
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    match = re.search(r"open (http://\S+)", first)
    if not match:
        process.kill()
        rest = process.stdout.read()
        raise AssertionError(f"guidecast serve did not start: {first}{rest}")
    server = Server(match.group(1), process, data, out)
    # Keep reading what it prints, so a full pipe never blocks it; tests can look at it.
    stdout = process.stdout
    threading.Thread(target=lambda: server.lines.extend(stdout), daemon=True).start()
    _wait_until_answering(server)
    try:
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def serving_a_folder(tmp: Path, *args: str) -> Iterator[Server]:
    """`guidecast serve FOLDER`, the folder holding SMALL_ROUTINE as warm.yaml."""
    (tmp / "mine").mkdir()
    (tmp / "mine" / "warm.yaml").write_text(SMALL_ROUTINE)
    with serving(tmp, str(tmp / "mine"), *args) as server:
        yield server


def _wait_until_answering(server: Server) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            server.request("GET", "/sw.js", headers={"cookie": f"guidecast_token={server.token}"})
            return
        except OSError:
            if time.monotonic() > deadline or server.process.poll() is not None:
                raise
            time.sleep(0.1)
