"""Live class under load and under faults: a real server started exactly as `make run` starts it, a teacher
and 60 or 200 phones, on SQLite and on PostgreSQL, all on loopback.

    .venv/bin/python benchmarks/bench_class.py                       # everything (some 10 minutes)
    .venv/bin/python benchmarks/bench_class.py --students 60 --backends sqlite --no-faults

The server: `make run PORT=<free port>`, nothing added (its settings are .streamlit/config.toml's, as for a
user and the Dockerfile); the database is chosen by the one setting SAFECRACKER_DATABASE_URL: a fresh SQLite
file, or a PostgreSQL server of the benchmark's own (scripts/pg_cluster.py, Debian's binaries that
`make test` installs), which the outage scenario stops for 10 s.

Why Streamlit's own websocket protocol and not headless browser pages: a browser page is a Streamlit client
that speaks exactly this protocol (protobuf BackMsg/ForwardMsg over /_stcore/stream), so the server does the
same work either way: a session per phone, a script run per tap, a fragment rerun per `run_every` tick. Two
hundred Chromium pages would need some 20 GB and would compete for this machine's two cores with the server
measured. The simulated clients do what the browser does and no more: they open the page with its query
string, answer the device element as its JavaScript would (one rerun carrying the device secret as the
element's state), press buttons and type text by sending widget states, rerun the fragments the server asks
to rerun every `run_every` (the browser's timer) and stop when told, and after a lost connection reconnect
and rerun with the same widget states (Streamlit's page does the same).

What is measured, per students × database:
- join: every phone opens the join link at the same moment; from opening the link to the question's answer
  buttons on the phone (the page, the device round trip, the nickname, Join);
- answer → projector: the spread hidden (the default), from a tap leaving the phone to the first projector
  count ("N of M answered") that includes it, matched by order statistics (the k-th tap with the first count
  of k); then the teacher shows the spread and a fifth of the class changes its answer to the right one,
  each change matched with the first tally whose count for that answer includes it;
- the tally checked per choice (the projector's last bars against what the phones sent) and per student (the
  teacher's table after the reveal, names shown, against each phone's last answer);
- server CPU (share of one core) and memory (resident, peak) from /proc; errors: an exception or a refusal on
  any screen, a lost connection, a count or tally that never arrived.
Faults (60 phones): the server killed with -9 mid-question and started again by `make run`, and PostgreSQL
stopped for 10 s mid-question; for each, what every screen showed, how long until every screen was back, and
what was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyarrow as pa
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from pg_cluster import Cluster, binaries  # noqa: E402

from classroom.errors import ClassroomUnavailable  # noqa: E402

UNAVAILABLE = ClassroomUnavailable().args[0]  # the one sentence every screen shows while the database is away

PAGE = "Live_class"
LESSON = "ravine"  # the lesson the teacher asks first: the page's default
RIGHT = "Momentum"  # its right answer, where the changed answers go
TARGETS = {"join": 3.0, "answer": {60: 1.0, 200: 1.5}}
MAX_STUDENTS = 200
COUNT = re.compile(r'class="live-count"[^>]*>(\d+) of (\d+) answered<')
LEAK = re.compile(r"Traceback|SELECT|INSERT|psycopg|sqlalchemy|OperationalError|127\.0\.0\.1:\d+/safecracker|"
                  r"postgresql://", re.IGNORECASE)


class Client:
    """One browser tab, reduced to its protocol: widget states out, deltas in."""

    def __init__(self, name: str, url: str, query: str, errors: list[str], device: str):
        self.name, self.url, self.query, self.errors = name, url, query, errors
        self.device = device
        self.page_hash = ""
        self.widgets: dict[str, tuple[str, str]] = {}  # label -> (widget id, fragment id)
        self.values: dict[str, str] = {}  # text inputs: id -> value
        self.bools: dict[str, bool] = {}  # toggles: id -> value
        self.jsons: dict[str, str] = {}  # the device element: id -> its state as JSON
        self.shown: list[tuple[float, str, str]] = []  # (when, kind, text) of every text element received
        self.charts: list[tuple[float, str]] = []
        self.frames: list[bytes] = []
        self.script_done = asyncio.Event()
        self.auto: dict[str, asyncio.Task] = {}  # fragment id -> its ticking task
        self._socket = None
        self._receiver: asyncio.Task | None = None
        self.closed = False
        self.connected = False
        self.lost_at: float | None = None

    async def open(self, timeout: float = 60) -> None:
        self._socket = await connect(self.url, subprotocols=["streamlit"], max_size=None, open_timeout=timeout,
                                     ping_interval=None)
        self.connected = True
        self._receiver = asyncio.create_task(self._receive())
        await self.rerun()

    async def reconnect(self, deadline: float) -> bool:
        """After a lost connection: try again until the server answers, then rerun with the same widget
        states, as Streamlit's page does."""
        while time.monotonic() < deadline and not self.closed:
            try:
                await self.open(timeout=5)
                return True
            except OSError:
                await asyncio.sleep(0.5)
            except Exception:  # the handshake failed mid-start: the server is not up yet
                await asyncio.sleep(0.5)
        return False

    async def close(self) -> None:
        self.closed = True
        for task in [*self.auto.values(), *([self._receiver] if self._receiver else [])]:
            task.cancel()
        if self._socket is not None:
            await self._socket.close()

    async def rerun(self, trigger: str | None = None, fragment: str = "", auto: bool = False) -> None:
        if not self.connected:
            return
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        state.page_name = PAGE
        state.page_script_hash = self.page_hash
        state.fragment_id = fragment
        state.is_auto_rerun = auto
        for widget_id, value in self.values.items():
            widget = state.widget_states.widgets.add()
            widget.id, widget.string_value = widget_id, value
        for widget_id, value in self.bools.items():
            widget = state.widget_states.widgets.add()
            widget.id, widget.bool_value = widget_id, value
        for widget_id, value in self.jsons.items():
            widget = state.widget_states.widgets.add()
            widget.id, widget.json_value = widget_id, value
        if trigger is not None:
            widget = state.widget_states.widgets.add()
            widget.id, widget.trigger_value = trigger, True
        self.script_done.clear()
        try:
            await self._socket.send(message.SerializeToString())
        except Exception:
            self._lost()

    async def click(self, label: str) -> None:
        widget_id, fragment = self.widgets[label]
        await self.rerun(trigger=widget_id, fragment=fragment)

    def type(self, label: str, text: str) -> None:
        self.values[self.widgets[label][0]] = text

    async def toggle(self, label: str, on: bool) -> None:
        widget_id, fragment = self.widgets[label]
        self.bools[widget_id] = on
        await self.rerun(fragment=fragment)

    def texts_since(self, moment: float) -> list[str]:
        return [text for at, _, text in self.shown if at >= moment]

    async def wait_for(self, condition, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                return False
            await asyncio.sleep(0.05)
        return True

    async def _tick(self, fragment: str, interval: float) -> None:
        while not self.closed:
            await asyncio.sleep(interval)
            await self.rerun(fragment=fragment, auto=True)

    def _lost(self) -> None:
        if self.connected and not self.closed:
            self.connected = False
            self.lost_at = time.monotonic()
            for task in self.auto.values():
                task.cancel()
            self.auto.clear()

    async def _receive(self) -> None:
        try:
            async for raw in self._socket:
                message = ForwardMsg()
                message.ParseFromString(raw)
                self._handle(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            pass
        self._lost()

    def _handle(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "navigation":
            for page in message.navigation.app_pages:
                if page.url_pathname == PAGE:
                    self.page_hash = page.page_script_hash
        elif kind == "page_info_changed":
            self.query = message.page_info_changed.query_string
        elif kind == "script_finished":
            self.script_done.set()
        elif kind == "auto_rerun":
            fragment = message.auto_rerun.fragment_id
            if fragment not in self.auto:
                self.auto[fragment] = asyncio.create_task(self._tick(fragment, message.auto_rerun.interval))
        elif kind == "stop_auto_rerun":
            for fragment in message.stop_auto_rerun.fragment_ids:
                task = self.auto.pop(fragment, None)
                if task is not None:
                    task.cancel()
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            self._element(message.delta.new_element, message.delta.fragment_id)

    def _element(self, element, fragment: str) -> None:
        kind = element.WhichOneof("type")
        now = time.perf_counter()
        if kind == "exception":
            self.errors.append(f"{self.name}: exception {element.exception.message}")
        elif kind == "alert":
            self.shown.append((now, "alert", element.alert.body))
            body = element.alert.body
            # ERROR is a refusal, except the phone's "the answer was" after the reveal to a wrong answer.
            if element.alert.format == 1 and UNAVAILABLE not in body and "The answer was:" not in body:
                self.errors.append(f"{self.name}: refused: {body}")
        elif kind in ("markdown", "text", "html"):
            self.shown.append((now, kind, getattr(element, kind).body))
        elif kind == "button":
            self.widgets[element.button.label] = (element.button.id, fragment)
        elif kind == "checkbox":
            self.widgets[element.checkbox.label] = (element.checkbox.id, fragment)
        elif kind == "text_input":
            self.widgets[element.text_input.label] = (element.text_input.id, fragment)
        elif kind == "plotly_chart":
            self.charts.append((now, element.plotly_chart.spec))
        elif kind == "dataframe":
            self.frames.append(element.dataframe.arrow_data.data)
        elif kind == "bidi_component" and element.bidi_component.component_name == "safecracker_device":
            data = json.loads(element.bidi_component.json or "{}")
            if not data.get("known"):  # what the element's JavaScript does: report the device, one rerun
                self.jsons[element.bidi_component.id] = json.dumps({"device": self.device})
                asyncio.get_running_loop().create_task(self.rerun())

    # --- what the screen shows -------------------------------------------------------------------------

    def count(self, since: int = 0) -> tuple[int, int] | None:
        """The projector's latest "N of M answered" (among the texts received from the `since`-th on)."""
        for _, kind, text in reversed(self.shown[since:]):
            found = COUNT.search(text) if kind == "html" else None
            if found:
                return int(found.group(1)), int(found.group(2))
        return None

    def saved(self, since: int = 0) -> str | None:
        """The answer the phone last said was saved (among the texts received from the `since`-th on)."""
        for _, kind, text in reversed(self.shown[since:]):
            if kind == "markdown" and text.startswith("Saved: "):
                return re.sub(r"\\(.)", r"\1", text[len("Saved: "):].split(". You can")[0])
        return None


def bars(spec: str) -> list[dict[str, int]] | None:
    """The rounds' tallies in a projector's chart, or None for another chart."""
    data = json.loads(spec).get("data") or []
    if not data or data[0].get("type") != "bar":
        return None
    rounds = []
    for trace in data:
        counts = trace.get("x")
        if isinstance(counts, dict):  # a typed array
            return None
        rounds.append({label.removesuffix(" ✓"): int(n) for label, n in zip(trace["y"], counts, strict=True)})
    return rounds


# --- the server and the machine ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`make run PORT=<port>`: the very command a user types, with the database chosen by its one setting."""

    def __init__(self, port: int, database: str):
        self.port, self.database = port, database
        self.make: subprocess.Popen | None = None
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (read at the end, closed with the server)

    def start(self) -> None:
        env = {**os.environ, "SAFECRACKER_DATABASE_URL": self.database}
        self.make = subprocess.Popen(["make", "--no-print-directory", "-s", "run", f"PORT={self.port}"], cwd=ROOT,
                                     env=env, stdout=subprocess.DEVNULL, stderr=self.stderr, start_new_session=True)
        end = time.monotonic() + 120
        while time.monotonic() < end:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.kill()
        raise SystemExit("the server did not come up within 120 s")

    def pid(self) -> int:
        """The Streamlit process itself (make's child), for /proc."""
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    command = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if int(stat[2]) == self.make.pid and b"streamlit" in command:  # field 5: the process group
                    return int(entry.name)
        raise RuntimeError("no Streamlit process under make")

    def kill(self) -> None:
        """kill -9 of the server's whole process group: make and Streamlit, no goodbye to any browser."""
        if self.make is not None and self.make.poll() is None:
            os.killpg(self.make.pid, signal.SIGKILL)
            self.make.wait(timeout=20)

    def stop(self) -> None:
        if self.make is not None and self.make.poll() is None:
            os.killpg(self.make.pid, signal.SIGTERM)
            try:
                self.make.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")


class Probe:
    """CPU seconds and memory of the server process, read from /proc (Linux)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime

    def memory_mb(self) -> tuple[float, float]:
        status = dict(line.split(":", 1) for line in Path(f"/proc/{self.pid}/status").read_text().splitlines()
                      if ":" in line)
        return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


# --- one class ------------------------------------------------------------------------------------------

class Class:
    """A teacher and `students` phones in one room on one server."""

    def __init__(self, url: str, students: int, timeout: float, seed: int):
        self.url, self.students, self.timeout = url, students, timeout
        self.rng = random.Random(seed)
        self.errors: list[str] = []
        self.teacher = Client("teacher", url, "", self.errors, secrets.token_urlsafe(32))
        self.phones: list[Client] = []
        self.code = ""
        self.sent: dict[str, str] = {}  # phone -> its last answer
        self.choices: list[str] = []

    async def open_room(self) -> None:
        t = self.teacher
        await t.open()
        if not await t.wait_for(lambda: "Open a room" in t.widgets, 60):
            raise SystemExit("the teacher's page never offered a room")
        await t.click("Open a room")
        found = None

        def code_shown() -> bool:
            nonlocal found
            found = next((m.group(1) for _, kind, text in t.shown if kind == "html"
                          for m in [re.search(r'class="room-code">(\w{6})<', text)] if m), None)
            return found is not None
        if not await t.wait_for(code_shown, 60):
            raise SystemExit("no room code on the teacher's page")
        self.code = found
        await t.wait_for(lambda: "Ask the class" in t.widgets, 30)
        await t.click("Ask the class")
        if not await t.wait_for(lambda: "Close answers" in t.widgets and t.count() is not None, 60):
            raise SystemExit("the question never went up on the projector")

    async def join_all(self) -> tuple[list[float], float]:
        self.phones = [Client(f"student {i:03d}", self.url, f"room={self.code}", self.errors,
                              secrets.token_urlsafe(32)) for i in range(self.students)]
        times: list[float] = []

        async def join(phone: Client, index: int) -> None:
            started = time.perf_counter()
            await phone.open()
            if not await phone.wait_for(lambda: "Join" in phone.widgets and "Nickname" in phone.widgets,
                                        self.timeout):
                self.errors.append(f"{phone.name}: no join form")
                return
            phone.type("Nickname", f"student {index:03d}")
            await phone.click("Join")
            if await phone.wait_for(lambda: RIGHT in phone.widgets, self.timeout):
                times.append(time.perf_counter() - started)
            else:
                self.errors.append(f"{phone.name}: never saw the question")
        started = time.perf_counter()
        await asyncio.gather(*(join(phone, i) for i, phone in enumerate(self.phones)))
        self.choices = [label for label, (_, fragment) in self.phones[0].widgets.items()
                        if fragment and label not in ("Leave this room",)]
        return times, time.perf_counter() - started

    async def answer(self, phones: list[Client], window: float, pick) -> list[float]:
        """Each phone taps `pick(phone)` at a random moment within `window`; the taps' send times."""
        sent: list[float] = []

        async def tap(phone: Client) -> None:
            await asyncio.sleep(self.rng.uniform(0, window))
            choice = pick(phone)
            self.sent[phone.name] = choice
            sent.append(time.perf_counter())
            await phone.click(choice)
        await asyncio.gather(*(tap(phone) for phone in phones))
        return sent

    async def count_latencies(self, sent: list[float], before: int) -> list[float]:
        """k-th tap -> first projector count showing before + k answers."""
        t = self.teacher
        target = before + len(sent)
        if not await t.wait_for(lambda: (t.count() or (0, 0))[0] >= target, self.timeout):
            self.errors.append(f"the projector's count never reached {target} (last {t.count()})")
        counts = [(at, int(m.group(1))) for at, kind, text in t.shown if kind == "html"
                  for m in [COUNT.search(text)] if m]
        return [next(at for at, n in counts if n >= before + k and at >= t_sent) - t_sent
                for k, t_sent in enumerate(sorted(sent), start=1)
                if any(n >= before + k and at >= t_sent for at, n in counts)]

    def last_tally(self) -> dict[str, int] | None:
        for _, spec in reversed(self.teacher.charts):
            rounds = bars(spec)
            if rounds:
                return rounds[-1]
        return None

    async def tally_latencies(self, sent: list[float], before: int, choice: str) -> list[float]:
        t = self.teacher
        target = before + len(sent)
        if not await t.wait_for(lambda: (self.last_tally() or {}).get(choice, 0) >= target, self.timeout):
            self.errors.append(f"the tally never showed {target} for {choice} (last {self.last_tally()})")
        seen = [(at, rounds[-1].get(choice, 0)) for at, spec in t.charts for rounds in [bars(spec)] if rounds]
        return [next(at for at, n in seen if n >= before + k and at >= t_sent) - t_sent
                for k, t_sent in enumerate(sorted(sent), start=1)
                if any(n >= before + k and at >= t_sent for at, n in seen)]

    def expected(self) -> dict[str, int]:
        counts = {choice: 0 for choice in self.choices}
        for choice in self.sent.values():
            counts[choice] += 1
        return counts

    async def check_per_student(self) -> str:
        """Reveal, turn names on, and read the teacher's table against each phone's last answer."""
        t = self.teacher
        mark = len(t.shown)
        await t.click("Close answers")
        await t.wait_for(lambda: any("answers closed" in text for text in t.texts_since(0)[mark:]), 30)
        mark = len(t.shown)
        await t.click("Reveal the run")
        if not await t.wait_for(lambda: any(text.startswith("The answer:") for text in t.texts_since(0)[mark:]), 60):
            return "the reveal never reached the projector"
        frames_before = len(t.frames)
        await t.toggle("Show names", True)

        def table():
            for data in reversed(t.frames[frames_before:]):
                frame = pa.ipc.open_stream(io.BytesIO(data)).read_all().to_pydict()
                if "answer" in frame and "nickname" in frame:
                    return frame
            return None
        if not await t.wait_for(lambda: table() is not None, 60):
            sizes = [len(data) for data in t.frames[frames_before:]]
            return f"no table of names and answers on the teacher's screen (frames {sizes}, " \
                   f"reveal shown: {any('The answer:' in text for text in t.texts_since(0))})"
        frame = table()
        shown = dict(zip(frame["nickname"], frame["answer"], strict=True))
        wanted = {f"student {int(name.split()[1]):03d}": choice for name, choice in self.sent.items()}
        wrong = [name for name in wanted if shown.get(name) != wanted[name]]
        extra = [name for name in shown if name not in wanted]
        if wrong or extra:
            return f"{len(wrong)} students shown with another answer, {len(extra)} unknown"
        return f"all {len(wanted)} students' answers match"

    async def close(self) -> None:
        for client in [self.teacher, *self.phones]:
            await client.close()


# --- the scenarios --------------------------------------------------------------------------------------

async def load_scenario(url: str, students: int, window: float, timeout: float, seed: int, probe: Probe) -> dict:
    room = Class(url, students, timeout, seed)
    await room.open_room()
    joins, join_wall = await room.join_all()
    joined = [phone for phone in room.phones if RIGHT in phone.widgets]
    wrong = [c for c in room.choices if c != RIGHT]
    # Round 1, the spread hidden: most answer wrongly, as a good Peer Instruction question intends.
    first = await room.answer(joined, window, lambda phone: room.rng.choice(wrong))
    count_latency = await room.count_latencies(first, 0)
    await room.teacher.click("Show the spread")
    await room.teacher.wait_for(lambda: room.last_tally() is not None, 30)
    on_right = room.expected()[RIGHT]
    movers = [phone for phone in joined if room.sent[phone.name] != RIGHT][: max(1, len(joined) // 5)]
    changes = await room.answer(movers, window, lambda phone: RIGHT)
    tally_latency = await room.tally_latencies(changes, on_right, RIGHT)
    await asyncio.sleep(2)  # the last ticks settle
    per_choice = "matches" if room.last_tally() == room.expected() else \
        f"differs: shown {room.last_tally()}, sent {room.expected()}"
    cpu_before, held = probe.cpu_seconds(), time.perf_counter()
    await asyncio.sleep(10)  # the class waits on the reveal, every phone and the projector polling
    steady = (probe.cpu_seconds() - cpu_before) / (time.perf_counter() - held)
    per_student = await room.check_per_student()
    await room.close()
    if per_choice != "matches":
        room.errors.append(f"tally per choice {per_choice}")
    if not per_student.startswith("all"):
        room.errors.append(f"tally per student: {per_student}")
    return {"joins": joins, "join_wall": join_wall, "joined": len(joins), "count": count_latency,
            "tally": tally_latency, "answers": len(first), "changes": len(changes), "per_choice": per_choice,
            "per_student": per_student, "steady": steady, "errors": room.errors}


async def kill_scenario(url: str, server: Server, students: int, window: float, timeout: float, seed: int) -> dict:
    """Half the class answers, the server is killed with -9 and started again by `make run`; every screen
    reconnects by itself; then the rest answers. Lost: answers a phone saw saved that the store lost."""
    room = Class(url, students, timeout, seed)
    await room.open_room()
    await room.join_all()
    joined = [phone for phone in room.phones if RIGHT in phone.widgets]
    half = joined[: len(joined) // 2]
    await room.answer(half, window, lambda phone: room.rng.choice(room.choices))
    await asyncio.gather(*(phone.wait_for(lambda p=phone: p.saved() == room.sent[p.name], timeout) for phone in half))
    saved_before = {phone.name: room.sent[phone.name] for phone in half if phone.saved() == room.sent[phone.name]}
    killed = time.monotonic()
    server.kill()
    await asyncio.sleep(1)
    down_for = time.monotonic() - killed
    restart = time.monotonic()
    server.start()
    up = time.monotonic() - restart
    marks = {client.name: len(client.shown) for client in [room.teacher, *room.phones]}
    deadline = time.monotonic() + timeout
    await asyncio.gather(*(client.reconnect(deadline) for client in [room.teacher, *room.phones]))
    # Every screen is back when it shows its state again: the projector its room and count, each phone
    # its nickname, and its saved answer if it had one.
    t = room.teacher
    teacher_back = await t.wait_for(lambda: any(f"Room {room.code}" in text for text in
                                                t.texts_since(0)[marks["teacher"]:]) and
                                    (t.count(marks["teacher"]) or (0, 0))[0] >= len(saved_before), timeout)

    def phone_back(p: Client) -> bool:
        since = marks[p.name]
        named = any(text.startswith("You are student") for text in p.texts_since(0)[since:])
        return named and (p.name not in saved_before or p.saved(since) == saved_before[p.name])
    phones_back = await asyncio.gather(*(phone.wait_for(lambda p=phone: phone_back(p), timeout) for phone in joined))
    back = time.monotonic() - restart
    lost = [name for name, choice in saved_before.items()
            if not any(p.name == name and p.saved(marks[p.name]) == choice for p in joined)]
    rest = [phone for phone in joined if phone.name not in saved_before]
    sent = await room.answer(rest, window, lambda phone: room.rng.choice(room.choices))
    await room.count_latencies(sent, len(saved_before))
    await asyncio.sleep(2)
    await t.click("Show the spread")
    await t.wait_for(lambda: room.last_tally() == room.expected(), 30)
    final = "matches" if room.last_tally() == room.expected() else \
        f"differs: shown {room.last_tally()}, sent {room.expected()}"
    await room.close()
    if final != "matches":
        room.errors.append(f"after the restart the tally {final}")
    if not teacher_back or not all(phones_back):
        room.errors.append(f"not back: teacher {teacher_back}, phones {sum(phones_back)}/{len(joined)}")
    return {"saved_before": len(saved_before), "lost": len(lost), "down": down_for, "up": up, "back": back,
            "teacher_back": teacher_back, "phones_back": sum(phones_back), "phones": len(joined),
            "rest": len(rest), "final": final, "errors": room.errors}


async def outage_scenario(url: str, cluster: Cluster, students: int, window: float, timeout: float,
                          seed: int, seconds: float = 10.0) -> dict:
    """Half the class answers; PostgreSQL stops for `seconds`, during which the other half answers; then it
    starts again. Every screen must say the one sentence, nothing else about the database, and every answer
    given meanwhile must be saved once it is back."""
    room = Class(url, students, timeout, seed)
    await room.open_room()
    await room.join_all()
    joined = [phone for phone in room.phones if RIGHT in phone.widgets]
    half, rest = joined[: len(joined) // 2], joined[len(joined) // 2:]
    first = await room.answer(half, window, lambda phone: room.rng.choice(room.choices))
    await room.count_latencies(first, 0)
    stopped = time.perf_counter()
    cluster.stop()
    await asyncio.sleep(2.5)  # every screen's fragment has looked at least once
    await room.answer(rest, min(window, seconds - 4), lambda phone: room.rng.choice(room.choices))
    kept = await asyncio.gather(*(phone.wait_for(lambda p=phone: any("kept on this phone" in text for text in
                                                                     p.texts_since(stopped)), 10) for phone in rest))
    await asyncio.sleep(max(0.0, seconds - (time.perf_counter() - stopped)))
    said = [client.name for client in [room.teacher, *joined]
            if any(UNAVAILABLE in text for text in client.texts_since(stopped))]
    leaked = sorted({match.group(0) for client in [room.teacher, *joined] for text in client.texts_since(stopped)
                     for match in [LEAK.search(text)] if match})
    restarted = time.perf_counter()
    cluster.start()
    saved = await asyncio.gather(*(phone.wait_for(lambda p=phone: p.saved() == room.sent[p.name], timeout)
                                   for phone in rest))
    recovered = time.perf_counter() - restarted
    t = room.teacher
    counted = await t.wait_for(lambda: (t.count() or (0, 0))[0] == len(joined), timeout)
    await t.click("Show the spread")
    await t.wait_for(lambda: room.last_tally() == room.expected(), 30)
    final = "matches" if room.last_tally() == room.expected() else \
        f"differs: shown {room.last_tally()}, sent {room.expected()}"
    await room.close()
    if final != "matches" or leaked or not counted:
        room.errors.append(f"after the outage: tally {final}, leaked {leaked}, counted {counted}")
    return {"screens": 1 + len(joined), "said": len(said), "leaked": leaked, "kept": sum(kept), "rest": len(rest),
            "saved": sum(saved), "recovered": recovered, "final": final, "down": restarted - stopped,
            "errors": room.errors}


# --- running and reporting ------------------------------------------------------------------------------

def run_on(database: str, job) -> tuple[dict, dict | None]:
    """Start `make run` on `database`, run `job(url, server, probe)`, stop; the result and the server's
    CPU, memory and log."""
    port = free_port()
    server = Server(port, database)
    server.start()
    probe = Probe(server.pid())
    cpu0, wall0 = probe.cpu_seconds(), time.perf_counter()
    try:
        result = asyncio.run(job(f"ws://127.0.0.1:{port}/_stcore/stream", server, probe))
        machine = None
        if probe.pid == server.pid():  # not after a restart: that is another process
            rss, peak = probe.memory_mb()
            machine = {"cpu": probe.cpu_seconds() - cpu0, "wall": time.perf_counter() - wall0, "rss": rss,
                       "peak": peak}
    finally:
        server.stop()
    log = server.log()
    result["errors"] += [f"server: {line}" for line in log.splitlines() if "Traceback" in line]
    return result, machine


def row(label: str, values: list[float], reference: str = "") -> str:
    if not values:
        return f"| {label:<50} | {'-':>7} | {'-':>7} | {'-':>7} | {reference:>10} |"
    return (f"| {label:<50} | {statistics.median(values):7.2f} | {percentile(values, 0.95):7.2f} | "
            f"{max(values):7.2f} | {reference:>10} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[60, 200])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--window", type=float, default=5.0, help="phones answer within this many seconds")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds any one step may take")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-faults", action="store_true", help="skip the kill -9 and the outage")
    parser.add_argument("--fault-students", type=int, default=60, help="phones in the fault scenarios")
    args = parser.parse_args()
    sizes = [max(1, min(n, MAX_STUDENTS)) for n in args.students]
    if "postgresql" in args.backends and binaries() is None:
        raise SystemExit("PostgreSQL is not installed: run `make test` once (it installs Debian's postgresql)")

    folder = Path(tempfile.mkdtemp(prefix="bench-class-"))
    cluster = Cluster() if "postgresql" in args.backends else None
    errors: list[str] = []
    lines: list[str] = []
    try:
        if cluster is not None:
            cluster.start()
        print(f"Live class on `make run` (its config.toml, nothing added), {os.cpu_count()} cores shared with other "
              f"work, Python {sys.version.split()[0]}; phones answer within {args.window:g} s", flush=True)
        for backend in args.backends:
            for students in sizes:
                database = (f"sqlite:///{folder / f'{students}.db'}" if backend == "sqlite" else cluster.url)

                async def job(url, _server, probe, students=students):
                    return await load_scenario(url, students, args.window, args.timeout, args.seed, probe)
                result, machine = run_on(database, job)
                errors += [f"{backend} {students}: {e}" for e in result["errors"]]
                target = TARGETS["answer"].get(students, TARGETS["answer"][200])
                lines += ["", f"### {students} students, {backend} (load average {load()} at the end)", "",
                          f"| {'measure (s)':<50} | {'p50':>7} | {'p95':>7} | {'max':>7} | {'target p95':>10} |",
                          f"|{'-' * 52}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 12}|",
                          row("join: open link -> question on the phone", result["joins"], f"{TARGETS['join']:g}"),
                          row("answer -> projector count (spread hidden)", result["count"], f"{target:g}"),
                          row("changed answer -> projector tally (spread shown)", result["tally"], f"{target:g}"),
                          row("every answer and change -> projector", result["count"] + result["tally"],
                              f"{target:g}"), "",
                          f"joined {result['joined']}/{students} (all at once, {result['join_wall']:.1f} s wall); "
                          f"{result['answers']} answers, {result['changes']} changed to the right one",
                          f"tally per choice: {result['per_choice']}; per student: {result['per_student']}",
                          f"server CPU {machine['cpu']:.1f} s over {machine['wall']:.1f} s = "
                          f"{100 * machine['cpu'] / machine['wall']:.0f} % of one core on average, "
                          f"{100 * result['steady']:.0f} % while the class waits and polls; memory "
                          f"{machine['rss']:.0f} MB resident at the end, {machine['peak']:.0f} MB peak",
                          f"errors: {len(result['errors'])}"]
                print("\n".join(lines[-13:]), flush=True)
        if not args.no_faults:
            backend = args.backends[-1]
            database = f"sqlite:///{folder / 'kill.db'}" if backend == "sqlite" else cluster.url

            async def killing(url, server, _probe):
                return await kill_scenario(url, server, args.fault_students, args.window, args.timeout, args.seed)
            result, _ = run_on(database, killing)
            errors += [f"kill -9: {e}" for e in result["errors"]]
            back = "yes" if result["teacher_back"] else "NO"
            block = ["", f"### kill -9 of the server mid-question, {args.fault_students} students, {backend} "
                     f"(load average {load()})",
                     "", f"{result['saved_before']} phones had their answer saved, then `kill -9`; down "
                         f"{result['down']:.1f} s, `make run` up again in {result['up']:.1f} s; every screen back "
                         f"{result['back']:.1f} s after the restart (projector with its room and count: {back}; "
                         f"phones with their nickname and saved answer: {result['phones_back']}/{result['phones']}).",
                     "Meanwhile a browser shows Streamlit's own 'Connecting' status; no page was reloaded by hand.",
                     f"Lost: {result['lost']} of {result['saved_before']} saved answers. Then the other "
                     f"{result['rest']} answered: tally {result['final']}. Errors: {len(result['errors'])}"]
            lines += block
            print("\n".join(block), flush=True)
            if cluster is not None:
                async def outage(url, _server, _probe):
                    return await outage_scenario(url, cluster, args.fault_students, args.window, args.timeout,
                                                 args.seed)
                result, _ = run_on(cluster.url, outage)
                errors += [f"outage: {e}" for e in result["errors"]]
                block = ["", f"### PostgreSQL stopped for {result['down']:.0f} s mid-question, "
                             f"{args.fault_students} students (load average {load()})", "",
                         f"Screens that said \"{UNAVAILABLE}\": {result['said']}/{result['screens']}; anything about "
                         f"the database shown: {result['leaked'] or 'nothing'}.",
                         f"{result['rest']} phones answered during the outage; {result['kept']} said the answer was "
                         f"kept on the phone; {result['saved']}/{result['rest']} said it was saved within "
                         f"{result['recovered']:.1f} s of the restart. Tally after: {result['final']}. "
                         f"Errors: {len(result['errors'])}"]
                lines += block
                print("\n".join(block), flush=True)
    finally:
        if cluster is not None:
            cluster.remove()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nerrors: {len(errors)}")
    for error in errors[:30]:
        print(f"  {error}")
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
