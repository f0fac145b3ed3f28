"""What a learner waits for in a real browser: each page's time to every chart drawn, and how Play keeps time.

    python benchmarks/bench_browser.py [--repeat N] [--pages | --play] [--width W --height H]

Serves the app with `streamlit run` on a free loopback port and drives Debian's Chromium (CPU only:
--disable-gpu, software rendering, like a school laptop or a projector PC without drivers) with Playwright.

* Load: from navigation start to the moment the page stopped changing with the script finished and every
  plotly chart on it drawn (the last DOM mutation before 1.5 s of quiet). "cold" is the first visit (the
  server simulates and builds figures), "warm" the median of the next visits (server caches hot).
* Play: the animated map of one hand (Crack the safe) and of seven (The race) on the ravine at 200 and
  1,000 steps. Play is clicked and plotly.js's own events are timed: frames shown per second, the replay's
  total time from the click to the last frame, and the time the figure was designed to take (frames x the
  frame duration it asks for). Reference: one hand at the same step count; the target is seven hands
  within 1.5x of it.

Browser timings are noisy on a shared machine: every number is the median of --repeat runs.
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
# (hands, steps, address): one hand on Crack the safe, seven on the race, all on the ravine.
PLAYS = [(1, 200, "Crack_the_safe?landscape=ravine&optimizer=adam&steps=200"),
         (7, 200, f"The_race?landscape=ravine&optimizers={SEVEN}&steps=200"),
         (1, 1000, "Crack_the_safe?landscape=ravine&optimizer=adam&steps=1000"),
         (7, 1000, f"The_race?landscape=ravine&optimizers={SEVEN}&steps=1000")]

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
  return performance.now() - window.__lastChange > quiet;
}"""

# Times Play on the page's animated figure (the first plot with frames) from plotly.js's events.
PLAY_JS = """() => new Promise((resolve, reject) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(p => p._transitionData &&
                                                                         p._transitionData._frames.length);
  if (!gd) { reject('no animated figure'); return; }
  // Frames Play shows: the "timeline" group when the figure has groups (the others are building blocks).
  const all = gd._transitionData._frames;
  const frames = all.some(f => f.group) ? all.filter(f => f.group === 'timeline').length : all.length;
  const play = gd.layout.updatemenus[0].buttons[0].args[1];
  const r = {frames, frameMs: play.frame.duration, shown: [], paints: 0};
  let painting = true;
  const paint = () => { r.paints++; if (painting) requestAnimationFrame(paint); };
  gd.on('plotly_animatingframe', () => r.shown.push(performance.now()));
  gd.on('plotly_animated', () => { r.end = performance.now(); painting = false; resolve(r); });
  r.start = performance.now();
  requestAnimationFrame(paint);
  const button = [...gd.querySelectorAll('g.updatemenu-button')].find(b => b.textContent.includes('Play'));
  button.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  setTimeout(() => reject('Play did not finish in 5 minutes'), 300000);
})"""


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
    r = tab.evaluate(PLAY_JS)
    context.close()
    shown = r["shown"]
    seconds = (r["end"] - r["start"]) / 1e3
    return {"frames": r["frames"], "fps": (len(shown) - 1) / ((shown[-1] - shown[0]) / 1e3),
            "paint_fps": r["paints"] / seconds, "replay": seconds, "designed": r["frames"] * r["frameMs"] / 1e3}


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
          f"{', ' + args.query if args.query else ''}; {os.cpu_count()} cores shared; medians of {args.repeat}.")
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
            print(f"\n{'Play':18} {'frames':>6} {'frames/s':>9} {'paints/s':>9} {'replay':>8} {'designed':>9} "
                  f"{'vs 1 hand':>10}")
            solo = {}
            for hands, steps, path in PLAYS:
                url = address(server.url, path)
                load_ms(browser, url, viewport)  # warm the server's caches: tuning 7 hands is not Play's cost
                runs = [play(browser, url, viewport) for _ in range(args.repeat)]
                m = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                if hands == 1:
                    solo[steps] = m["replay"]
                ratio = m["replay"] / solo[steps] if steps in solo else float("nan")
                print(f"{f'{hands} hand' + ('s' if hands > 1 else '') + f', {steps} steps':18} {m['frames']:6.0f} "
                      f"{m['fps']:9.1f} {m['paint_fps']:9.1f} {m['replay']:6.1f} s {m['designed']:7.1f} s "
                      f"{ratio:9.2f}x", flush=True)
            print("target: 7 hands within 1.5x of 1 hand at the same steps; frames/s near the designed rate")
        browser.close()


if __name__ == "__main__":
    main()
