"""Report each installed speech engine's speed: load time, real-time factor, words per minute.

    .venv/bin/python scripts/engine_speed.py              # every installed engine, a table
    .venv/bin/python scripts/engine_speed.py --json       # the same as JSON, for a benchmark
    .venv/bin/python scripts/engine_speed.py --rates      # words per minute at rates 80 to 400
    .venv/bin/python scripts/engine_speed.py --calibrate  # the neural engines' SPEED_CURVE data

Each engine runs in a fresh process of its own, with one onnxruntime thread, as a speech worker
does. A benchmark can call `guidecast.speech.measure.real_time_factor(engine)` directly.
"""

from __future__ import annotations

import argparse
import json

from guidecast.speech import measure
from guidecast.speech.workers import installed_engines

RATES = (80, 100, 130, 160, 200, 250, 300, 400)
SETTINGS = {
    "hibari": (
        0.4,
        0.45,
        0.5,
        0.55,
        0.65,
        0.75,
        0.85,
        0.95,
        1.05,
        1.2,
        1.32,
        1.34,
        1.5,
        1.75,
        2.0,
        2.25,
    ),
    "piper": (
        2.6,
        2.4,
        2.2,
        2.0,
        1.75,
        1.5,
        1.3,
        1.15,
        1.0,
        0.9,
        0.8,
        0.7,
        0.6,
        0.5,
        0.45,
        0.4,
        0.35,
        0.3,
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engines", nargs="*", help="engines to measure (default: all installed)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--rates", action="store_true", help="words per minute at each rate")
    parser.add_argument("--calibrate", action="store_true", help="wpm at each speed setting")
    args = parser.parse_args()
    engines = args.engines or installed_engines()
    if args.calibrate:
        for engine in engines:
            if engine in SETTINGS:
                print(engine, measure.calibrate(engine, SETTINGS[engine]))
        return
    if args.rates:
        for engine in engines:
            print(engine, measure.words_per_minute(engine, RATES))
        return
    results = [measure.real_time_factor(engine) for engine in engines]
    if args.json:
        print(json.dumps([r.as_dict() for r in results], indent=2))
        return
    print(
        f"{'engine':<8} {'load s':>7} {'x real time':>11} {'wpm':>6} {'Hz':>6} {'dBFS':>6} "
        f"{'RSS MB':>7}  version"
    )
    for r in results:
        print(
            f"{r.engine:<8} {r.load_s:>7.2f} {r.real_time_factor:>11.1f} "
            f"{r.words_per_minute:>6.0f} {r.sample_rate:>6} {r.level_dbfs:>6.1f} "
            f"{r.peak_rss_mb:>7.0f}  {r.version}"
        )


if __name__ == "__main__":
    main()
