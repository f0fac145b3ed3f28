"""What a learner waits for in a real browser: each page's time to every chart drawn, and how Play keeps time.

    python benchmarks/bench_browser.py [--repeat N] [--pages | --play] [--width W --height H]

Serves the app with `streamlit run` on a free loopback port and drives Debian's Chromium (CPU only:
--disable-gpu, software rendering, like a school laptop or a projector PC without drivers) with Playwright.

* Load: from navigation start to the moment the page stopped changing with the script finished and every
  plotly chart on it drawn, a replay's motion included (the last DOM mutation before 1.5 s of quiet). "cold"
  is the first visit (the server simulates and builds figures), "warm" the median of the next visits (server
  caches hot).
* Play: the replay of one hand (Crack the safe) and of three and seven (The race) on the ravine at 200 and
  1,000 steps. The player's Play button is clicked and the player's own events are timed (ui/player.py,
  viz/player.js: "sc-frame" for every frame drawn, "sc-ended" at the last step): frames drawn per second
  while playing, the browser's paints per second (requestAnimationFrame callbacks), the replay's total time
  from the click to the last frame, and the time the replay is designed to take. Reference: one hand at the
  same step count, measured in the same run; the targets are seven hands within 1.5x of it and at least 12
  frames/s.

Browser timings are noisy on a shared machine: every row is the median of --repeat runs after one warm-up
run (the server's caches hot, the page's scripts compiled), and the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

PAGES = [("The vault", ""), ("Crack the safe", "Crack_the_safe"), ("The race", "The_race"),
         ("Inside the hand", "Inside_the_hand"), ("Map of settings", "Map_of_settings"), ("Lessons", "Lessons")]
SEVEN = "sgd,momentum,nesterov,adagrad,rmsprop,adam,adamw"
THREE = "sgd,momentum,adam"
# (hands, steps, address): one hand on Crack the safe, three and seven on the race, all on the ravine.
PLAYS = [(hands, steps, f"Crack_the_safe?landscape=ravine&optimizer=adam&steps={steps}" if hands == 1 else
          f"The_race?landscape=ravine&optimizers={THREE if hands == 3 else SEVEN}&steps={steps}")
         for steps in (200, 1000) for hands in (1, 3, 7)]

# Installed before any page script: remembers when the DOM last changed.
WATCH_JS = """
window.__lastChange = 0;
new MutationObserver(() => { window.__lastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""

QUIET_JS = """(quiet) => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.getAttribute('data-test-script-state') === 'running') return false;
  if (document.querySelector('[data-testid=stSkeleton]')) return false;
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  if (!plots.every(p => p._fullLayout && p.querySelector('.main-svg'))) return false;
  // A replay is drawn once its motion is on the map's canvas.
  if (document.querySelector('.sc-player') && !document.querySelector('canvas.sc-motion')) return false;
  return performance.now() - window.__lastChange > quiet;
}"""

# Times Play on the page's replay (the first player on the page) from the player's own events.
PLAY_JS = """() => new Promise((resolve, reject) => {
  const root = document.querySelector('.sc-player');
  if (!root || !root.scPlayer) { reject('no replay player'); return; }
  const player = root.scPlayer;
  const r = {frames: player.last, designedMs: player.motion.duration, shown: [], paints: 0};
  let painting = true;
  const paint = () => { r.paints++; if (painting) requestAnimationFrame(paint); };
  root.addEventListener('sc-frame', () => r.shown.push(performance.now()));
  root.addEventListener('sc-ended', () => { r.end = performance.now(); painting = false; resolve(r); }, {once: true});
  r.start = performance.now();
  requestAnimationFrame(paint);
  root.querySelector('.sc-play').click();
  setTimeout(() => reject('Play did not finish in 5 minutes'), 300000);
})"""

# The app is drawn once its replay has a canvas on its map.
READY_JS = "() => !!document.querySelector('.sc-player') && !!document.querySelector('canvas.sc-motion')"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`streamlit run app.py`, headless, on a free loopback port."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
             f"--server.port={self.port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false",
             "--server.fileWatcherType=none"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)

    def __enter__(self):
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(self.url + "/_stcore/health", timeout=1).read() == b"ok":
                    return self
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the Streamlit server did not start") from None
                time.sleep(0.25)

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=20)


def open_tab(browser, url: str, viewport: dict):
    context = browser.new_context(viewport=viewport)
    context.add_init_script(WATCH_JS)
    tab = context.new_page()
    tab.goto(url, wait_until="commit")
    tab.wait_for_function(QUIET_JS, arg=1500, timeout=300_000, polling=100)
    return context, tab


def load_ms(browser, url: str, viewport: dict) -> float:
    context, tab = open_tab(browser, url, viewport)
    ms = tab.evaluate("() => window.__lastChange")
    context.close()
    return ms


def play(browser, url: str, viewport: dict) -> dict:
    context, tab = open_tab(browser, url, viewport)
    tab.wait_for_function(READY_JS, timeout=60_000)
    r = tab.evaluate(PLAY_JS)
    context.close()
    # The first frame is the jump back to step 0 at the click; the rate counts the frames of the replay itself.
    shown = r["shown"][1:]
    seconds = (r["end"] - r["start"]) / 1e3
    return {"steps": r["frames"], "fps": (len(shown) - 1) / ((shown[-1] - shown[0]) / 1e3),
            "paint_fps": r["paints"] / seconds, "replay": seconds, "designed": r["designedMs"] / 1e3}


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="measured runs per row (median reported)")
    parser.add_argument("--pages", action="store_true", help="only the page loads")
    parser.add_argument("--play", action="store_true", help="only the replays")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--query", default="", help="appended to every address, e.g. presenter=1")
    args = parser.parse_args()
    viewport = {"width": args.width, "height": args.height}

    def address(base: str, path: str) -> str:
        if not args.query:
            return f"{base}/{path}"
        return f"{base}/{path}{'&' if '?' in path else '?'}{args.query}"

    from playwright.sync_api import sync_playwright

    print(f"Chromium {CHROMIUM}, CPU only ({' '.join(CHROMIUM_ARGS)}), viewport {args.width}x{args.height}"
          f"{', ' + args.query if args.query else ''}; {cpu_name()}, {os.cpu_count()} cores; medians of "
          f"{args.repeat} after a warm-up; load average {load()}.")
    with Server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        if not args.play:
            print(f"\n{'page':18} {'cold load':>10} {'warm load':>10}   (navigation -> every chart drawn)")
            for name, path in PAGES:
                url = address(server.url, path)
                cold = load_ms(browser, url, viewport)
                warm = statistics.median(load_ms(browser, url, viewport) for _ in range(args.repeat))
                print(f"{name:18} {cold / 1e3:8.2f} s {warm / 1e3:8.2f} s", flush=True)
        if not args.pages:
            print(f"\n{'Play':19} {'steps':>6} {'frames/s':>9} {'paints/s':>9} {'replay':>8} {'designed':>9} "
                  f"{'vs 1 hand':>10}")
            solo = {}
            for hands, steps, path in PLAYS:
                url = address(server.url, path)
                play(browser, url, viewport)  # warm-up: the server's caches (tuning 7 hands is not Play's cost)
                runs = [play(browser, url, viewport) for _ in range(args.repeat)]
                m = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                if hands == 1:
                    solo[steps] = m["replay"]
                ratio = m["replay"] / solo[steps] if steps in solo else float("nan")
                print(f"{f'{hands} hand' + ('s' if hands > 1 else '') + f', {steps} steps':19} {m['steps']:6.0f} "
                      f"{m['fps']:9.1f} {m['paint_fps']:9.1f} {m['replay']:6.1f} s {m['designed']:7.1f} s "
                      f"{ratio:9.2f}x", flush=True)
            print("targets: 7 hands within 1.5x of 1 hand at the same steps, and at least 12 frames/s")
            print(f"load average after: {load()}")
        browser.close()


if __name__ == "__main__":
    main()
