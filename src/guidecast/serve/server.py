"""Starting the app: bind, print the address and its QR code, run uvicorn until Ctrl-C.

The socket is bound here, before uvicorn starts, so `--port 0` gets a free port that can be
printed (and that tests read), and a port in use is reported as one line, exit 1.
"""

from __future__ import annotations

import io
import socket
from collections.abc import Callable
from pathlib import Path

from guidecast.catalogue.index import is_catalogue
from guidecast.core.errors import GuidecastError, UsageError
from guidecast.serve.app import Config, create_app
from guidecast.serve.catalogue_site import catalogue_app
from guidecast.serve.practice import data_dir
from guidecast.serve.security import Access

DEFAULT_PORT = 8765


def lan_address() -> str:
    """This machine's address on its network, as a phone there reaches it.

    Connecting a UDP socket sends nothing: it only asks the system which interface it would
    use (the address is a documentation one, never contacted)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            return str(probe.getsockname()[0])
        except OSError:
            return socket.gethostbyname(socket.gethostname())


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise GuidecastError(
            f"cannot listen on {host}:{port}: {err.strerror} (choose another with --port)"
        ) from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(
    folder: Path | None,
    port: int = DEFAULT_PORT,
    lan: bool = False,
    out: Path | None = None,
    jobs: int = 1,
    qr: bool = True,
    echo: Callable[[str], None] = print,
) -> None:
    if folder is not None and not folder.is_dir():
        raise UsageError(f"FOLDER: {folder} is not a folder of routines")
    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be from 0 to 65535, got {port}")
    if not 1 <= jobs <= 8:
        raise UsageError(f"--jobs must be from 1 to 8, got {jobs}")
    catalogue = folder is not None and is_catalogue(folder)
    host = "0.0.0.0" if lan else "127.0.0.1"
    sock = bind(host, port)
    port = sock.getsockname()[1]
    access = Access.lan() if lan else Access.local(port)
    if catalogue:
        app = catalogue_app(folder, access)  # type: ignore[arg-type]
    else:
        data = data_dir()
        config = Config(folder, out or data / "sessions", data, access, jobs)
        app = create_app(config)
    local = f"http://127.0.0.1:{port}/"
    if access.token:
        url = f"http://{lan_address()}:{port}/?token={access.token}"
        echo(f"guidecast serve: open {url}")
        echo(f"on this computer: {local}?token={access.token}")
    else:
        url = local
        echo(f"guidecast serve: open {url}")
        echo("only this computer can open it; --lan lets a phone on your network in")
    echo(f"serving the catalogue {folder}" if catalogue else f"sessions are kept in {config.out}")
    if qr:
        import segno

        drawn = io.StringIO()
        segno.make(url, error="m").terminal(out=drawn, compact=True)
        echo(drawn.getvalue().rstrip("\n"))
    _run(app, sock)


def _run(app: object, sock: socket.socket) -> None:
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(
            app,  # type: ignore[arg-type]
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=3,
            lifespan="on",
        )
    )
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
