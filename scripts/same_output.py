"""Check that two commits build byte-identical sessions: a move must not change what users get.

Usage: .venv/bin/python scripts/same_output.py BASE [HEAD]

Each commit is checked out into a temporary git worktree and run from its own src/ with this
checkout's virtualenv (PYTHONPATH goes before the editable install). Both build every shipped
routine and docs/example-routine.yaml, with captions, split tracks and a player page, into their
own folder, sharing one clip cache so the speech is the same clips in both. Then every file is
compared byte for byte: MP3, manifest, captions, playlist, page, cover. Exit 0 when all agree.
HEAD defaults to the working tree as it is (uncommitted changes included).
"""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"


def _build(src: Path, example: Path, out: Path, cache: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(src), GUIDECAST_CACHE_DIR=str(cache))
    common = ["--captions", "--page"]
    subprocess.run(
        [str(PYTHON), "-m", "guidecast", "build-all", "--shipped", "-o", str(out), *common],
        env=env,
        check=True,
    )
    subprocess.run(
        [
            str(PYTHON),
            "-m",
            "guidecast",
            "build",
            str(example),
            "-o",
            str(out / "split"),
            "--split",
            *common,
        ],
        env=env,
        check=True,
    )


def _files(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*") if p.is_file()}


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    base, head = argv[0], (argv[1] if len(argv) > 1 else None)
    with tempfile.TemporaryDirectory(prefix="guidecast-same-") as tmp:
        work = Path(tmp)
        cache = work / "cache"
        trees: list[Path] = []
        for name, rev in (("base", base), ("head", head)):
            if rev is None:
                trees.append(ROOT)
                continue
            tree = work / f"tree-{name}"
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev],
                check=True,
                capture_output=True,
            )
            trees.append(tree)
        try:
            outs = []
            for tree in trees:
                out = work / f"out-{len(outs)}"
                _build(tree / "src", tree / "docs" / "example-routine.yaml", out, cache)
                outs.append(out)
        finally:
            for tree in trees:
                if tree != ROOT:
                    subprocess.run(
                        ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                        check=False,
                    )
        before, after = (_files(o) for o in outs)
        problems = [f"only in {base}: {p}" for p in sorted(before - after)]
        problems += [f"only in {head or 'the working tree'}: {p}" for p in sorted(after - before)]
        same = sorted(before & after)
        problems += [
            f"differs: {p}" for p in same if not filecmp.cmp(outs[0] / p, outs[1] / p, False)
        ]
        for line in problems:
            print(line)
        print(f"{len(same) - len(problems)} of {len(before | after)} files identical")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
