"""`guidecast serve DIR` on a built catalogue: its files as they are (index.html, each
session's player page, audio with range requests for seeking), behind the same guard as the
app (localhost only unless --lan, and then a token)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from guidecast.output.page import page_policy
from guidecast.serve.security import Access, Guard


class _CatalogueFiles(StaticFiles):
    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope,
        status_code: int = 200,
    ) -> Response:  # fmt: skip
        response = super().file_response(full_path, stat_result, scope, status_code)
        path = Path(full_path)
        if path.suffix == ".html" and path.name != "index.html":  # a player page
            response.headers["content-security-policy"] = page_policy(served=True)
        return response


def catalogue_app(folder: Path, access: Access) -> Any:
    app = Starlette(routes=[Mount("/", _CatalogueFiles(directory=folder, html=True))])
    return Guard(app, access)
