"""After return_large_blocks, a large buffer freed goes back to the system, even after a larger
one was freed first (glibc would otherwise raise its threshold and keep the pages)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
from guidecast.core import allocator

def rss_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

if sys.argv[1] == "set":
    assert allocator.return_large_blocks()
first = b"x" * (4 << 20)  # freed: glibc's own rule raises its threshold to 4 MB
del first
before = rss_kb()
second = b"y" * (3 << 20)  # every page written
del second
print(rss_kb() - before)
"""


def _kept_kb(how: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, how], capture_output=True, text=True, check=True
    )
    return int(result.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_a_freed_large_buffer_leaves_the_process() -> None:
    assert _kept_kb("set") < 1024
    # Without it glibc keeps the 3 MB (3,256 kB on this machine, run alone). Once, in the
    # whole suite, the process without it gave them back too (196 kB; cause not found), so
    # that side is not required here: only the setting's own effect is.
    if _kept_kb("default") <= 2048:
        pytest.xfail("glibc gave the pages back without the setting too: no contrast here")
