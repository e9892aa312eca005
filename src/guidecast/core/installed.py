"""The version of an installed distribution, read without importing importlib.metadata.

importlib.metadata brings email, csv and zipfile with it: 1.2 MB of the build's main process
(measured after the CLI's own imports), which asks only for its speech engine's version (part
of every cache key). A wheel installs a folder NAME-VERSION.dist-info on the import path: the
version is read from that name. Anything else (egg-info, zipped eggs, a name not found) is
left to importlib.metadata, as is every look-up once something else has imported it.
"""

from __future__ import annotations

import os
import re
import sys

_SUFFIX = ".dist-info"


def version(distribution: str) -> str | None:
    """`distribution`'s installed version ("2.99"), or None if it is not installed."""
    metadata = sys.modules.get("importlib.metadata")
    if metadata is None:
        found = _from_folder_name(distribution)
        if found is not None:
            return found
        import importlib.metadata as metadata
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _from_folder_name(distribution: str) -> str | None:
    # Folder names are normalized as wheels write them: runs of -_. become one "_".
    prefix = re.sub(r"[-_.]+", "_", distribution).lower() + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(_SUFFIX) and name.lower().startswith(prefix):
                found = name[len(prefix) : -len(_SUFFIX)]
                if found and "-" not in found:
                    return found
    return None
