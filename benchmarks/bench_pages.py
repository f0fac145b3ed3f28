"""Each page's rerun time and figure payload at its defaults, measured with AppTest on this machine.

    python benchmarks/bench_pages.py        (or `make bench`)

Targets: a rerun (same settings, caches warm) under 200 ms, and under 1.5 MB of figure JSON per page (the
replay's motion and the charts' tables included).
A rerun is what a learner waits for after every slider move that lands on a cached scene; the first
run is shown too, since it includes the simulation and figure builds.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

PAGES = [None, "pages/1_Crack_the_safe.py", "pages/2_The_race.py", "pages/3_Inside_the_hand.py",
         "pages/4_Map_of_settings.py", "pages/5_Lessons.py"]
RERUNS = 7
RERUN_TARGET_MS, PAYLOAD_TARGET_MB = 200, 1.5


def measure(page: str | None) -> tuple[float, float, float, int]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if page is not None:
        at.switch_page(page)
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    times = []
    for _ in range(RERUNS):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    # The figures, and what the replay player and the charts' words carry (the paths, the tables).
    payload = sum(len(chart.proto.spec) for chart in at.get("plotly_chart"))
    payload += sum(len(element.proto.bytes) for element in at.get("bidi_component"))
    return first, statistics.median(times), max(times), payload


def main() -> None:
    print(f"{'page':28} {'first run':>10} {'rerun (median)':>15} {'rerun (max)':>12} {'figures':>10}  targets: "
          f"<{RERUN_TARGET_MS} ms, <{PAYLOAD_TARGET_MB} MB")
    for page in PAGES:
        first, median, worst, payload = measure(page)
        name = "The vault (app.py)" if page is None else Path(page).stem.split("_", 1)[1].replace("_", " ")
        ok = median * 1e3 < RERUN_TARGET_MS and payload / 1e6 < PAYLOAD_TARGET_MB
        print(f"{name:28} {first * 1e3:8.0f} ms {median * 1e3:12.0f} ms {worst * 1e3:9.0f} ms "
              f"{payload / 1e6:7.2f} MB  {'ok' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
