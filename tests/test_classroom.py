"""The class store, against SQLite and a real PostgreSQL server (`make test` starts one; see
scripts/ensure_postgres.sh). Every store test runs on both."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import sqlalchemy as sa

import optim
from classroom import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_NICKNAME,
    ClassroomError,
    ClassStore,
    MyEntry,
    clean_nickname,
    hands,
    knobs,
    schema,
)
from classroom.store import DAY

POSTGRES_SETTING = "SAFECRACKER_TEST_POSTGRES_URL"
CHOICES = ["A", "B", "C"]


def _url(backend: str, tmp_path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'class.db'}"
    url = os.environ.get(POSTGRES_SETTING)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{POSTGRES_SETTING} is not set: `make test` starts PostgreSQL and sets it")
        pytest.skip(f"no PostgreSQL server ({POSTGRES_SETTING} unset; `make test` starts one)")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    return _url(request.param, tmp_path)


@pytest.fixture
def store(url):
    opened = ClassStore(url)
    yield opened
    opened.dispose()


@pytest.fixture
def room(store):
    made = store.create_room()
    store.open_question(made.code, made.teacher_token, "q1", CHOICES)
    return made


# --- the contract -------------------------------------------------------------------------------------

def test_the_contract_from_the_issue(store):
    room = store.create_room()
    store.open_question(room.code, room.teacher_token, "q1", ["A", "B", "C"])
    token = store.join(room.code, "nickname")
    store.predict(room.code, token, "q1", "B")
    assert store.tally(room.code, "q1") == {"A": 0, "B": 1, "C": 0}
    store.predict(room.code, token, "q1", "C")
    assert store.tally(room.code, "q1") == {"A": 0, "B": 0, "C": 1}
    assert list(store.tally(room.code, "q1")) == ["A", "B", "C"]
    assert issubclass(ClassroomError, ValueError)
    assert store.backend in {"sqlite", "postgresql"}


def test_tally_keeps_the_order_the_choices_were_given_in(store):
    room = store.create_room()
    store.open_question(room.code, room.teacher_token, "order", ["zebra", "apple", "mango"])
    store.predict(room.code, store.join(room.code, "x"), "order", "mango")
    assert list(store.tally(room.code, "order").items()) == [("zebra", 0), ("apple", 0), ("mango", 1)]


def test_room_codes_are_short_unambiguous_and_unique_among_open_rooms(store):
    codes = [store.create_room().code for _ in range(150)]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set(CODE_ALPHABET) & set("0O1IL2Z5S8B")


def test_tokens_are_long_secrets_and_only_their_digests_are_stored(store, room):
    token = store.join(room.code, "sam")
    assert len(room.teacher_token) >= 43 and len(token) >= 43  # 32 random bytes, URL-safe base64
    engine = sa.create_engine(store._engine.url)
    with engine.connect() as conn:
        stored = repr([conn.execute(sa.select(table)).all() for table in schema.metadata.sorted_tables])
    engine.dispose()
    assert token not in stored and room.teacher_token not in stored
    assert "sam" in stored


def test_a_typed_code_may_be_lower_case_or_spaced(store, room):
    typed = room.code.lower()[:3] + " " + room.code.lower()[3:]
    token = store.join(typed, "ana")
    store.predict(typed, token, "q1", "A")
    assert store.tally(room.code, "q1")["A"] == 1


def test_current_follows_what_the_teacher_opened(store):
    room = store.create_room()
    assert store.current(room.code).kind is None
    store.open_question(room.code, room.teacher_token, "q1", CHOICES)
    now = store.current(room.code)
    assert (now.kind, now.id, now.choices, now.revealed) == ("question", "q1", tuple(CHOICES), False)
    store.reveal(room.code, room.teacher_token, "q1")
    assert store.current(room.code).revealed
    store.open_challenge(room.code, room.teacher_token, "c1", "momentum", "rosenbrock", steps=150)
    now = store.current(room.code)
    assert (now.kind, now.id, now.optimizer, now.vault, now.steps) == ("challenge", "c1", "momentum", "rosenbrock",
                                                                       150)


def test_a_revealed_question_takes_no_more_answers_and_reopening_starts_afresh(store, room):
    token = store.join(room.code, "kim")
    store.predict(room.code, token, "q1", "A")
    store.reveal(room.code, room.teacher_token, "q1")
    with pytest.raises(ClassroomError, match="revealed"):
        store.predict(room.code, token, "q1", "B")
    assert store.tally(room.code, "q1") == {"A": 1, "B": 0, "C": 0}
    assert store.answers(room.code, room.teacher_token, "q1")[0].choice == "A"
    store.open_question(room.code, room.teacher_token, "q1", CHOICES)
    assert store.tally(room.code, "q1") == {"A": 0, "B": 0, "C": 0}
    store.predict(room.code, token, "q1", "B")
    assert store.prediction(room.code, token, "q1") == "B"


def test_opening_the_same_question_again_before_the_reveal_keeps_the_answers(store, room):
    store.predict(room.code, store.join(room.code, "lee"), "q1", "C")
    store.open_question(room.code, room.teacher_token, "q1", CHOICES)  # e.g. the teacher's page reran
    assert store.tally(room.code, "q1")["C"] == 1


def test_who_predicted_what_is_for_the_teacher_only(store, room):
    ana, bo = store.join(room.code, "ana"), store.join(room.code, "bo")
    store.predict(room.code, ana, "q1", "A")
    store.predict(room.code, bo, "q1", "C")
    assert [(a.nickname, a.choice) for a in store.answers(room.code, room.teacher_token, "q1")] == [
        ("ana", "A"), ("bo", "C")]
    assert store.roster(room.code, room.teacher_token) == ["ana", "bo"]
    with pytest.raises(ClassroomError, match="Only the teacher"):
        store.answers(room.code, ana, "q1")


# --- refusals -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["", "ZZZZZZ", "ABC", "A" * 500, None, 123, "AAAAAA' OR 1=1 --"])
def test_a_wrong_code_is_refused_with_a_message(store, code):
    with pytest.raises(ClassroomError, match="No open room has that code"):
        store.join(code, "ana")
    with pytest.raises(ClassroomError, match="No open room has that code"):
        store.tally(code, "q1")


def test_forged_teacher_tokens_cannot_open_reveal_or_close(store, room):
    student = store.join(room.code, "mallory")
    other = store.create_room()
    for forged in [student, other.teacher_token, room.teacher_token[:-1] + "x", "", None, "x" * 10_000]:
        with pytest.raises(ClassroomError, match="Only the teacher"):
            store.open_question(room.code, forged, "q2", CHOICES)
        with pytest.raises(ClassroomError, match="Only the teacher"):
            store.reveal(room.code, forged, "q1")
        with pytest.raises(ClassroomError, match="Only the teacher"):
            store.close_room(room.code, forged)
        with pytest.raises(ClassroomError, match="Only the teacher"):
            store.open_challenge(room.code, forged, "c1", "adam", "rosenbrock")
    assert store.current(room.code).id == "q1" and not store.current(room.code).revealed


def test_a_student_token_answers_only_for_that_student_in_that_room(store, room):
    ana = store.join(room.code, "ana")
    store.predict(room.code, ana, "q1", "A")
    other = store.create_room()
    store.open_question(other.code, other.teacher_token, "q1", CHOICES)
    for forged in [ana[:-2] + "zz", room.teacher_token, "", None, 42, "ä" * 50]:
        with pytest.raises(ClassroomError, match="not in the room"):
            store.predict(room.code, forged, "q1", "B")
    with pytest.raises(ClassroomError, match="not in the room"):
        store.predict(other.code, ana, "q1", "B")  # a token from another room
    assert store.tally(room.code, "q1") == {"A": 1, "B": 0, "C": 0}
    assert store.rejoin(room.code, ana) == "ana"


@pytest.mark.parametrize("choice", ["D", "a", "", None, 1, ["A"], "A "])
def test_an_answer_not_among_the_choices_is_refused(store, room, choice):
    token = store.join(room.code, "ana")
    with pytest.raises(ClassroomError, match="Choose one of the answers on offer: A, B, C"):
        store.predict(room.code, token, "q1", choice)


@pytest.mark.parametrize("choices", [["only"], [], "ABC", ["A", "A"], ["A", ""], ["A", 2], list("ABCDEFGHI"), 5])
def test_a_question_needs_distinct_answers(store, choices):
    room = store.create_room()
    with pytest.raises(ClassroomError):
        store.open_question(room.code, room.teacher_token, "q", choices)


def test_an_unknown_question_is_refused(store, room):
    with pytest.raises(ClassroomError, match="no question"):
        store.predict(room.code, store.join(room.code, "ana"), "nope", "A")


def test_a_closed_room_takes_nobody_and_nothing_and_keeps_nothing_students_gave(store, room):
    token = store.join(room.code, "ana")
    store.predict(room.code, token, "q1", "A")
    store.open_challenge(room.code, room.teacher_token, "c1", "adam", "himmelblau")
    store.submit(room.code, token, "c1", 0.05, 0.9)
    with pytest.raises(ClassroomError):
        store.submit(room.code, token, "c1", "fast", 0.9)  # a refused entry, kept among the entries
    store.close_room(room.code, room.teacher_token)
    for act in (lambda: store.join(room.code, "bo"), lambda: store.predict(room.code, token, "q1", "A"),
                lambda: store.tally(room.code, "q1"), lambda: store.rejoin(room.code, token)):
        with pytest.raises(ClassroomError, match="No open room has that code"):
            act()
    assert _rows_of_room(store, room.code) == {"class_rooms": 1}  # the row, empty, until it expires


# --- nicknames ----------------------------------------------------------------------------------------

HOSTILE = {
    "<script>alert(1)</script>": "<script>alert(1)</script>",
    "**bold**": "**bold**",
    "[click](http://x.y)": "[click](http://x.y)",
    "a\u200bb\u200dc\ufeff": "abc",  # zero-width space, joiner, byte-order mark
    "\u202eevil\u202c": "evil",  # right-to-left override
    "\u2067ab\u2069": "ab",  # right-to-left isolate
    "  two   spaces\t": "two spaces",
    "line\nbreak": "line break",
    "ｆｕｌｌ": "full",  # full-width letters, NFKC
    "زهرة": "زهرة",  # right-to-left script itself is a fine name
}


@pytest.mark.parametrize("typed", list(HOSTILE))
def test_hostile_nicknames_are_kept_as_plain_text_without_invisible_characters(store, room, typed):
    token = store.join(room.code, typed)
    assert store.rejoin(room.code, token) == HOSTILE[typed]
    assert store.roster(room.code, room.teacher_token) == [HOSTILE[typed]]


@pytest.mark.parametrize("typed", ["", "   ", "\u200b\u200b", "\u202e", "\x00\x07", None, 5, "x" * 10_000,
                                   "y" * (MAX_NICKNAME + 1)])
def test_empty_invisible_or_over_long_nicknames_are_refused(store, room, typed):
    with pytest.raises(ClassroomError, match="nickname"):
        store.join(room.code, typed)
    assert store.roster(room.code, room.teacher_token) == []


def test_a_nickname_is_taken_once_per_room_whatever_its_case(store, room):
    store.join(room.code, "Ana")
    with pytest.raises(ClassroomError, match="already has the nickname"):
        store.join(room.code, "aNA")
    with pytest.raises(ClassroomError, match="already has the nickname"):
        store.join(room.code, "A\u200bna")
    other = store.create_room()
    store.join(other.code, "ana")  # another room is another namespace


def test_the_longest_nickname_allowed_fits():
    assert clean_nickname("n" * MAX_NICKNAME) == "n" * MAX_NICKNAME


# --- the challenge ------------------------------------------------------------------------------------

def test_a_submission_is_run_with_the_exact_core(store):
    room = store.create_room()
    store.open_challenge(room.code, room.teacher_token, "c1", "momentum", "rosenbrock", steps=300)
    token = store.join(room.code, "ana")
    result = store.submit(room.code, token, "c1", 0.002, 0.9)
    direct = optim.simulate("momentum", "rosenbrock", steps=300, lr=0.002, momentum=0.9)
    assert result.final_loss == float(direct.final_loss)
    assert result.settled_at == direct.settled_at()
    assert result.final_distance == pytest.approx(float(direct.distance_to_minimum()[-1]), rel=0, abs=0)


def test_the_leaderboard_puts_settled_runs_first_and_spun_off_runs_last(store):
    room = store.create_room()
    store.open_challenge(room.code, room.teacher_token, "c1", "momentum", "rosenbrock", steps=400)
    settings = {"wild": (1.0, 0.9), "slow": (1e-4, 0.0), "good": (0.003, 0.9)}
    tokens = {name: store.join(room.code, name) for name in settings}
    for name, (lr, beta) in settings.items():
        store.submit(room.code, tokens[name], "c1", lr, beta)
    board = store.leaderboard(room.code, "c1")
    assert [entry.nickname for entry in board] == ["good", "slow", "wild"]
    assert board[0].result.settled_at is not None
    assert board[-1].result.diverged_at is not None
    store.submit(room.code, tokens["wild"], "c1", 0.002, 0.9)  # again: replaces
    assert len(store.leaderboard(room.code, "c1")) == 3
    assert store.leaderboard(room.code, "c1")[-1].nickname == "slow"


@pytest.mark.parametrize(("lr", "beta", "message"), [
    (5.0, 0.9, "Learning rate must be from"), (0.0, 0.9, "Learning rate must be from"),
    (float("nan"), 0.9, "Learning rate"), ("fast", 0.9, "Learning rate"), (True, 0.9, "Learning rate"),
    (0.01, 1.0, "Momentum μ must be"), (0.01, -0.1, "Momentum μ"), (0.01, float("inf"), "Momentum μ"),
    (0.01, None, "Momentum μ"),
])
def test_challenge_settings_outside_the_hands_ranges_are_refused(store, lr, beta, message):
    room = store.create_room()
    store.open_challenge(room.code, room.teacher_token, "c1", "momentum", "rosenbrock")
    token = store.join(room.code, "ana")
    with pytest.raises(ClassroomError, match=message):
        store.submit(room.code, token, "c1", lr, beta)
    assert store.leaderboard(room.code, "c1") == []


def test_the_knob_ranges_are_the_registrys_own():
    lr_knob, beta_knob = knobs("adam")
    spec = optim.get("adam")
    assert (lr_knob.low, lr_knob.high) == (spec.hyperparameter("lr").low, spec.hyperparameter("lr").high)
    assert (beta_knob.name, beta_knob.high) == (spec.map_axis.name, spec.hyperparameter("beta1").high)
    assert knobs("momentum")[1].name == "momentum"
    assert set(hands()) == {key for key, spec in optim.OPTIMIZERS.items() if spec.map_axis is not None}
    with pytest.raises(ClassroomError, match="second knob"):
        knobs("nope")


@pytest.mark.parametrize(("optimizer", "vault", "steps"), [("nope", "rosenbrock", 200), ("adam", "nowhere", 200),
                                                            ("adam", "rosenbrock", 5), ("adam", "rosenbrock", 1.5)])
def test_a_challenge_needs_a_hand_with_beta_a_known_vault_and_sensible_steps(store, optimizer, vault, steps):
    room = store.create_room()
    with pytest.raises(ClassroomError):
        store.open_challenge(room.code, room.teacher_token, "c1", optimizer, vault, steps)


def test_a_revealed_challenge_takes_no_more_submissions(store):
    room = store.create_room()
    store.open_challenge(room.code, room.teacher_token, "c1", "adam", "himmelblau")
    token = store.join(room.code, "ana")
    store.submit(room.code, token, "c1", 0.05, 0.9)
    store.reveal_challenge(room.code, room.teacher_token, "c1")
    with pytest.raises(ClassroomError, match="over"):
        store.submit(room.code, token, "c1", 0.1, 0.9)
    assert store.leaderboard(room.code, "c1")[0].lr == 0.05


# --- many at once, restarts, expiry -------------------------------------------------------------------

def _student_answers(url: str, code: str, name: str, choice: str) -> None:
    store = ClassStore(url)
    try:
        token = store.join(code, name)
        store.predict(code, token, "q1", "A")
        store.predict(code, token, "q1", choice)  # a change of mind, so every answer is written twice
    finally:
        store.dispose()


def test_sixty_students_answering_at_once_from_threads_lose_nothing(store, room):
    expected = {choice: 0 for choice in CHOICES}

    def answer(i: int) -> None:
        token = store.join(room.code, f"student {i}")
        store.predict(room.code, token, "q1", "A")
        store.predict(room.code, token, "q1", CHOICES[i % 3])

    for i in range(60):
        expected[CHOICES[i % 3]] += 1
    with ThreadPoolExecutor(max_workers=60) as pool:
        list(pool.map(answer, range(60)))
    assert store.tally(room.code, "q1") == expected
    assert len(store.roster(room.code, room.teacher_token)) == 60


def _process_students(url: str, code: str, first: int, count: int) -> None:
    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(lambda i: _student_answers(url, code, f"p{i}", CHOICES[i % 3]), range(first, first + count)))


def test_sixty_students_from_several_processes_lose_nothing(store, room):
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_process_students, args=(store.url, room.code, 20 * k, 20)) for k in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    assert store.tally(room.code, "q1") == {"A": 20, "B": 20, "C": 20}


def test_a_restarted_store_loses_nothing(url):
    first = ClassStore(url)
    room = first.create_room()
    first.open_question(room.code, room.teacher_token, "q1", CHOICES)
    token = first.join(room.code, "ana")
    first.predict(room.code, token, "q1", "C")
    first.open_challenge(room.code, room.teacher_token, "c1", "adam", "himmelblau")
    first.submit(room.code, token, "c1", 0.05, 0.9)
    first.dispose()

    again = ClassStore(url)
    try:
        assert again.tally(room.code, "q1") == {"A": 0, "B": 0, "C": 1}
        assert again.rejoin(room.code, token) == "ana"
        assert again.leaderboard(room.code, "c1")[0].lr == 0.05
        again.reveal(room.code, room.teacher_token, "q1")  # the teacher's token still works
        assert again.current(room.code).kind == "challenge"
    finally:
        again.dispose()


def test_rooms_expire_after_a_day_and_are_deleted(url):
    now = [time.time() - 2 * DAY]
    store = ClassStore(url, clock=lambda: now[0])
    try:
        room = store.create_room()
        store.open_question(room.code, room.teacher_token, "q1", CHOICES)
        token = store.join(room.code, "ana")
        store.predict(room.code, token, "q1", "A")
        now[0] += DAY - 60
        assert store.tally(room.code, "q1")["A"] == 1
        now[0] += 120
        with pytest.raises(ClassroomError, match="No open room has that code"):
            store.predict(room.code, token, "q1", "B")
        with pytest.raises(ClassroomError, match="No open room has that code"):
            store.join(room.code, "bo")
        store.purge_expired()  # the requests above have most likely purged it already: the store does it itself
        assert _rows_of_room(store, room.code) == {}
        with pytest.raises(ClassroomError, match="No open room has that code"):
            store.tally(room.code, "q1")
        with store._engine.connect() as conn:
            left = conn.scalar(sa.select(sa.func.count()).select_from(schema.students)
                               .where(schema.students.c.nickname_key == "ana")
                               .where(schema.students.c.joined_at < time.time() - DAY))
        assert left == 0
    finally:
        store.dispose()


def test_the_store_reads_its_url_from_one_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("SAFECRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'sub' / 'set.db'}")
    store = ClassStore()
    try:
        assert store.url.endswith("set.db") and (tmp_path / "sub" / "set.db").exists()
    finally:
        store.dispose()


@pytest.mark.parametrize("url", ["mysql://x@y/z", "not a url"])
def test_an_unsupported_database_is_refused(url):
    with pytest.raises(ClassroomError):
        ClassStore(url)


def test_wal_mode_is_on_for_sqlite(tmp_path):
    store = ClassStore(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        with store._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        store.dispose()


def test_numbers_from_numpy_are_accepted_as_settings(store):
    room = store.create_room()
    store.open_challenge(room.code, room.teacher_token, "c1", "adam", "himmelblau")
    result = store.submit(room.code, store.join(room.code, "np"), "c1", np.float64(0.05), np.float32(0.9))
    assert result.final_loss is not None


def test_the_store_never_imports_streamlit_or_plotly():
    import subprocess
    import sys

    code = "import sys, classroom; print('streamlit' in sys.modules, 'plotly' in sys.modules)"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.split() == ["False", "False"]


def _rows_of_room(store, code) -> dict[str, int]:
    """How many rows each table holds for the room `code` (tables with none are left out)."""
    found = {}
    with store._engine.connect() as conn:
        room_id = conn.scalar(sa.select(schema.rooms.c.id).where(schema.rooms.c.code == code))
        for table in schema.metadata.sorted_tables:
            if "room_id" in table.c:
                n = conn.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.room_id == room_id))
            elif table is schema.rooms:
                n = conn.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.id == room_id))
            else:
                continue
            if n:
                found[table.name] = n
    return found


# --- one message for every room that is not open ----------------------------------------------------

def test_unknown_closed_and_expired_rooms_get_the_very_same_message(url):
    now = [time.time()]
    store = ClassStore(url, clock=lambda: now[0])
    try:
        closed, expired = store.create_room(), store.create_room()
        store.close_room(closed.code, closed.teacher_token)
        unknown = next(code for code in ("AAAAAA", "CCCCCC", "EEEEEE") if code not in (closed.code, expired.code))
        now[0] += DAY + 1
        fresh = store.create_room()
        store.close_room(fresh.code, fresh.teacher_token)
        messages = set()
        for code in (unknown, closed.code, expired.code, fresh.code, "not a code"):
            for act in (lambda c=code: store.join(c, "ana"), lambda c=code: store.rejoin(c, "t" * 43),
                        lambda c=code: store.current(c)):
                with pytest.raises(ClassroomError) as refused:
                    act()
                messages.add(str(refused.value))
        assert len(messages) == 1
        assert "closed" not in messages.pop().lower()
    finally:
        store.dispose()


# --- the devices: a device's tokens, its rooms, a key for another computer ----------------------------

def test_a_device_that_opened_a_room_teaches_it_without_the_rooms_key_and_finds_it_again(store):
    owner, other = "o" * 43, "x" * 43
    room = store.create_room(owner=owner)
    assert store.rooms_of(owner) == [room.code] and store.rooms_of(other) == [] and store.rooms_of(None) == []
    store.open_question(room.code, owner, "q1", CHOICES)  # the device's own key
    with pytest.raises(ClassroomError, match="Only the teacher"):
        store.reveal(room.code, other, "q1")
    newer = store.create_room(owner=owner)
    assert store.rooms_of(owner) == [newer.code, room.code]  # newest first
    store.close_room(newer.code, owner)
    assert store.rooms_of(owner) == [room.code]  # closed rooms are not offered


def test_a_room_moves_to_another_computer_only_with_its_key_and_every_failure_reads_the_same(store):
    room = store.create_room(owner="o" * 43)
    laptop = "l" * 43
    messages = set()
    for code, key in [(room.code, "wrong-key-but-long-enough-to-be-one"), ("AAAAAA", room.teacher_token),
                      ("nonsense", "x"), (room.code, None)]:
        with pytest.raises(ClassroomError) as refused:
            store.claim_room(code, key, laptop)
        messages.add(str(refused.value))
    assert len(messages) == 1
    assert store.claim_room(room.code.lower(), room.teacher_token, laptop) == room.code
    assert store.rooms_of(laptop) == [room.code]
    store.open_question(room.code, laptop, "q1", CHOICES)
    fresh = store.new_teacher_key(room.code, laptop)
    with pytest.raises(ClassroomError):
        store.claim_room(room.code, room.teacher_token, "p" * 43)  # the old key stopped working
    assert store.claim_room(room.code, fresh, "p" * 43) == room.code
    store.reveal(room.code, "o" * 43, "q1")  # the device that opened it still teaches it


def test_a_device_token_joins_once_and_comes_back_as_the_same_student(store, room):
    phone = "p" * 43
    assert store.join(room.code, "ana", token=phone) == phone
    assert store.rejoin(room.code, phone) == "ana"
    with pytest.raises(ClassroomError, match="already joined this room as 'ana'"):
        store.join(room.code, "ana again", token=phone)
    with pytest.raises(ClassroomError, match="not one of ours"):
        store.join(room.code, "bo", token="short")


def test_a_device_token_is_derived_per_purpose_and_never_equals_the_secret():
    from classroom import device_token, is_device_secret

    secret = "s" * 43
    tokens = {device_token(secret, "teacher"), device_token(secret, "student:AAAAAA"),
              device_token(secret, "student:CCCCCC"), device_token("t" * 43, "teacher")}
    assert len(tokens) == 4 and secret not in tokens
    assert all(len(token) == 43 for token in tokens)
    assert is_device_secret(secret) and not is_device_secret("s" * 42) and not is_device_secret("s" * 42 + "!")
    assert not is_device_secret(None) and not is_device_secret(["s" * 43])


# --- removing a nickname, the room's cap ------------------------------------------------------------------

def test_a_removed_nickname_takes_its_answers_with_it_and_its_device_cannot_come_back(store, room):
    phone = "p" * 43
    store.join(room.code, "troll", token=phone)
    store.predict(room.code, phone, "q1", "A")
    store.remove_student(room.code, room.teacher_token, "troll")
    assert store.roster(room.code, room.teacher_token) == []
    assert store.tally(room.code, "q1") == {"A": 0, "B": 0, "C": 0}
    for act in (lambda: store.join(room.code, "nice name", token=phone), lambda: store.rejoin(room.code, phone),
                lambda: store.predict(room.code, phone, "q1", "B")):
        with pytest.raises(ClassroomError, match="removed this device"):
            act()
    store.join(room.code, "troll")  # the nickname itself is free again, for another device
    with pytest.raises(ClassroomError, match="Nobody in this room"):
        store.remove_student(room.code, room.teacher_token, "nobody")
    with pytest.raises(ClassroomError, match="Only the teacher"):
        store.remove_student(room.code, phone, "troll")


def test_a_room_takes_no_more_than_its_cap_even_when_everybody_joins_at_once(url):
    store = ClassStore(url, room_cap=12)
    try:
        room = store.create_room()

        def join(i: int) -> bool:
            try:
                store.join(room.code, f"s{i}")
            except ClassroomError as refused:
                assert "full (12 students)" in str(refused)
                return False
            return True

        with ThreadPoolExecutor(max_workers=30) as pool:
            joined = sum(pool.map(join, range(30)))
        assert joined == 12 and len(store.roster(room.code, room.teacher_token)) == 12
    finally:
        store.dispose()


def test_the_default_cap_is_two_hundred():
    from classroom import DEFAULT_ROOM_CAP

    assert DEFAULT_ROOM_CAP == 200


# --- confusable nicknames -----------------------------------------------------------------------------

@pytest.mark.parametrize(("first", "second"), [
    ("alice", "\u0430lice"),  # Cyrillic а
    ("oscar", "\u03bfscar"),  # Greek ο
    ("oscar", "0scar"),  # a zero
    ("lina", "1ina"),  # a one
    ("lan", "Ian"),  # a capital I passes for an l
    ("Bob", "\u0392ob"),  # Greek capital Β
    ("POP", "\u0420\u041e\u0420"),  # Cyrillic Р, О
    ("mia", "\uff4d\uff49\uff41"),  # full-width letters
    ("jean", "\u0458ean"),  # Cyrillic ј
])
def test_nicknames_that_look_alike_are_the_same_nickname(store, room, first, second):
    store.join(room.code, first)
    with pytest.raises(ClassroomError, match="looks just like it"):
        store.join(room.code, second)


@pytest.mark.parametrize(("first", "second"), [("ian", "lan"), ("anna", "ana"), ("léa", "lea"), ("tom", "tim")])
def test_nicknames_that_can_be_told_apart_are_both_welcome(store, room, first, second):
    store.join(room.code, first)
    store.join(room.code, second)
    assert store.roster(room.code, room.teacher_token) == [first, second]


# --- limits per client address ------------------------------------------------------------------------

def test_failed_code_lookups_are_limited_per_address_across_stores_and_then_even_a_right_code_waits(url):
    from classroom.limits import FAILED_CODES

    now = [1_000_000.0 * 3600]
    first, second = ClassStore(url, clock=lambda: now[0]), ClassStore(url, clock=lambda: now[0])  # two replicas
    try:
        room = first.create_room()
        for i in range(FAILED_CODES.count):
            with pytest.raises(ClassroomError, match="No open room"):
                (first if i % 2 else second).join("AAAAAA" if room.code != "AAAAAA" else "CCCCCC", "x",
                                                   address="203.0.113.9")
        with pytest.raises(ClassroomError, match="Too many codes"):
            first.join(room.code, "scanner", address="203.0.113.9")
        first.join(room.code, "next door", address="198.51.100.7")  # another address is not held up
        now[0] += FAILED_CODES.window
        first.join(room.code, "later", address="203.0.113.9")  # the window ended
    finally:
        first.dispose()
        second.dispose()


def test_a_whole_class_behind_one_address_joins_freely(store):
    room = store.create_room()
    for i in range(80):
        store.join(room.code, f"student {i}", address="192.0.2.1")
    assert len(store.roster(room.code, room.teacher_token)) == 80


def test_failed_resumes_are_limited_per_address(store):
    from classroom.limits import FAILED_RESUMES

    room = store.create_room()
    for _ in range(FAILED_RESUMES.count):
        with pytest.raises(ClassroomError, match="do not open a room"):
            store.claim_room(room.code, "not-the-key-but-long-enough-to-be-one", address="192.0.2.2")
    with pytest.raises(ClassroomError, match="Too many wrong codes or keys"):
        store.claim_room(room.code, room.teacher_token, address="192.0.2.2")
    assert store.claim_room(room.code, room.teacher_token, address="192.0.2.3") == room.code


def test_opening_rooms_is_limited_per_address(store):
    from classroom.limits import ROOMS_OPENED

    for _ in range(ROOMS_OPENED.count):
        store.create_room(address="192.0.2.4")
    with pytest.raises(ClassroomError, match="opened many rooms"):
        store.create_room(address="192.0.2.4")
    store.create_room(address="192.0.2.5")


def test_the_limits_keep_no_client_address(store):
    room = store.create_room(address="198.51.100.23")
    with pytest.raises(ClassroomError):
        store.join("AAAAAA" if room.code != "AAAAAA" else "CCCCCC", "x", address="198.51.100.23")
    with store._engine.connect() as conn:
        kept = repr(conn.execute(sa.select(schema.attempts)).all())
    assert "198.51.100.23" not in kept and kept != "[]"


# --- Peer Instruction: rounds, closing, the spread, a timer ------------------------------------------

def test_a_question_is_closed_shown_voted_again_and_both_rounds_are_kept(store):
    room = store.create_room()
    store.open_question(room.code, room.teacher_token, "q1", CHOICES, correct="B", prompt="Which one?")
    ana, bo, cy = (store.join(room.code, name) for name in ("ana", "bo", "cy"))
    store.predict(room.code, ana, "q1", "A")
    store.predict(room.code, bo, "q1", "B")
    assert (store.progress(room.code, "q1").answered, store.progress(room.code, "q1").joined) == (2, 3)
    now = store.current(room.code)
    assert (now.round, now.closed, now.spread_shown, now.answer) == (1, False, False, None)
    store.close_answers(room.code, room.teacher_token, "q1")
    with pytest.raises(ClassroomError, match="Answers are closed"):
        store.predict(room.code, cy, "q1", "C")
    assert store.current(room.code).closed
    store.show_spread(room.code, room.teacher_token, "q1")
    assert store.current(room.code).spread_shown
    assert store.vote_again(room.code, room.teacher_token, "q1") == 2
    now = store.current(room.code)
    assert (now.round, now.closed, now.spread_shown) == (2, False, False)
    with pytest.raises(ClassroomError, match="round 1 are closed"):
        store.predict(room.code, ana, "q1", "B", round=1)  # kept through an outage, too late now
    store.predict(room.code, ana, "q1", "B", round=2)  # moved to the right answer
    store.predict(room.code, bo, "q1", "B")
    store.predict(room.code, cy, "q1", "C")
    assert store.tally(room.code, "q1") == {"A": 0, "B": 2, "C": 1}
    assert store.tally(room.code, "q1", round=1) == {"A": 1, "B": 1, "C": 0}
    rounds = store.rounds(room.code, "q1")
    assert rounds.tallies == ({"A": 1, "B": 1, "C": 0}, {"A": 0, "B": 2, "C": 1})
    assert rounds.moved_to_right() == 1 and rounds.correct == "B"
    assert store.prediction(room.code, ana, "q1", round=1) == "A" and store.prediction(room.code, ana, "q1") == "B"
    with pytest.raises(ClassroomError, match="had its 2 votes"):
        store.vote_again(room.code, room.teacher_token, "q1")
    store.reveal(room.code, room.teacher_token, "q1")
    now = store.current(room.code)
    assert now.revealed and now.closed and now.answer == "B"
    with pytest.raises(ClassroomError, match="revealed"):
        store.vote_again(room.code, room.teacher_token, "q1")
    glance = store.glance(room.code, ana)
    assert (glance.nickname, glance.mine) == ("ana", {1: "A", 2: "B"})


def test_a_timer_closes_the_answers_by_itself(url):
    now = [time.time()]
    store = ClassStore(url, clock=lambda: now[0])
    try:
        room = store.create_room()
        store.open_question(room.code, room.teacher_token, "q1", CHOICES, seconds=30)
        token = store.join(room.code, "ana")
        assert store.current(room.code).deadline == pytest.approx(now[0] + 30)
        now[0] += 29
        store.predict(room.code, token, "q1", "A")
        now[0] += 2
        with pytest.raises(ClassroomError, match="Answers are closed"):
            store.predict(room.code, token, "q1", "B")
        assert store.current(room.code).closed and store.current(room.code).deadline is None
        store.vote_again(room.code, room.teacher_token, "q1", seconds=20)
        store.predict(room.code, token, "q1", "C")
        assert store.tally(room.code, "q1") == {"A": 0, "B": 0, "C": 1}
    finally:
        store.dispose()


@pytest.mark.parametrize("seconds", [0, 2, -5, 10_000, True, "30", float("nan")])
def test_a_timer_runs_from_five_seconds_to_an_hour(store, seconds):
    room = store.create_room()
    with pytest.raises(ClassroomError, match="timer"):
        store.open_question(room.code, room.teacher_token, "q1", CHOICES, seconds=seconds)


def test_the_right_answer_must_be_on_offer(store):
    room = store.create_room()
    with pytest.raises(ClassroomError, match="right answer"):
        store.open_question(room.code, room.teacher_token, "q1", CHOICES, correct="D")


# --- a challenge's entries, a refreshed phone ---------------------------------------------------------

def test_a_refused_entry_is_kept_with_its_reason_until_an_accepted_one_follows(store):
    room = store.create_room()
    store.open_challenge(room.code, room.teacher_token, "c1", "momentum", "rosenbrock")
    token = store.join(room.code, "ana")
    assert store.my_entry(room.code, token, "c1") == MyEntry(None, None)
    store.submit(room.code, token, "c1", 0.003, 0.9)
    with pytest.raises(ClassroomError, match="Learning rate"):
        store.submit(room.code, token, "c1", 2, 0.9)
    mine = store.my_entry(room.code, token, "c1")
    assert mine.submission.lr == 0.003  # what a refreshed phone shows: the run that counts ...
    assert mine.refused[:2] == ("2", "0.9") and "Learning rate" in mine.refused[2]  # ... and what to correct
    store.submit(room.code, token, "c1", 0.002, 0.9)
    mine = store.my_entry(room.code, token, "c1")
    assert mine.refused is None and mine.submission.lr == 0.002


# --- the export ---------------------------------------------------------------------------------------

def test_the_export_has_one_row_per_student_and_question_with_every_round_and_every_entry(store):
    from classroom import to_csv

    room = store.create_room()
    store.open_question(room.code, room.teacher_token, "q1", CHOICES, correct="B", prompt="Which?")
    ana, bo = store.join(room.code, "ana"), store.join(room.code, "=HYPERLINK(\"http://x\")")
    store.predict(room.code, ana, "q1", "A")
    store.close_answers(room.code, room.teacher_token, "q1")
    store.vote_again(room.code, room.teacher_token, "q1")
    store.predict(room.code, ana, "q1", "B")
    store.predict(room.code, bo, "q1", "C")
    store.open_challenge(room.code, room.teacher_token, "c1", "momentum", "rosenbrock", steps=300)
    with pytest.raises(ClassroomError):
        store.submit(room.code, ana, "c1", "abc", 0.9)
    store.submit(room.code, ana, "c1", 0.003, 0.9)
    rows = store.export(room.code, room.teacher_token)
    assert [(row["nickname"], row["kind"], row["item"]) for row in rows] == [
        ("ana", "question", "q1"), ('=HYPERLINK("http://x")', "question", "q1"),
        ("ana", "challenge", "c1"), ('=HYPERLINK("http://x")', "challenge", "c1")]
    assert (rows[0]["round 1"], rows[0]["right in round 1"], rows[0]["round 2"], rows[0]["right in round 2"]) == \
        ("A", "no", "B", "yes")
    assert (rows[1]["round 1"], rows[1]["round 2"], rows[1]["right answer"], rows[1]["asked"]) == \
        ("", "C", "B", "Which?")
    entries = rows[2]["entries"].split(" | ")
    assert entries[0].startswith("lr abc, momentum 0.9: refused: Learning rate") and "settled" in entries[1]
    assert (rows[2]["lr"], rows[2]["knob"], rows[2]["rank"]) == (0.003, "momentum", 1)
    assert rows[3]["entries"] == "" and rows[3]["rank"] == ""
    text = to_csv(rows)
    assert text.splitlines()[0].startswith("nickname,kind,item,asked,round 1")
    assert "'=HYPERLINK" in text and ',=HYPERLINK' not in text  # a spreadsheet shows it, does not run it
    with pytest.raises(ClassroomError, match="Only the teacher"):
        store.export(room.code, ana)


# --- the store purges by itself -----------------------------------------------------------------------

def test_day_old_rooms_go_on_any_request_without_a_room_being_created(url):
    now = [time.time()]
    store = ClassStore(url, clock=lambda: now[0], purge_every=60)
    try:
        old = store.create_room()
        store.open_question(old.code, old.teacher_token, "q1", CHOICES)
        store.predict(old.code, store.join(old.code, "ana"), "q1", "A")
        now[0] += DAY - 120
        fresh = store.create_room()
        now[0] += 200  # `old` is a day old now; the next request, whatever it is, clears it
        store.current(fresh.code)
        assert _rows_of_room(store, old.code) == {}
        assert _rows_of_room(store, fresh.code) == {"class_rooms": 1}
    finally:
        store.dispose()


def test_nothing_a_student_typed_reaches_a_log_line(store, room, caplog):
    import logging

    nickname = "Zyxwvut-unique-name"
    with caplog.at_level(logging.DEBUG):
        for name in ("sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        try:
            token = store.join(room.code, nickname)
            store.predict(room.code, token, "q1", "B")
            with pytest.raises(ClassroomError):
                store.join(room.code, nickname)  # a refusal too
            store.open_challenge(room.code, room.teacher_token, "c1", "adam", "himmelblau")
            with pytest.raises(ClassroomError):
                store.submit(room.code, token, "c1", "typed-secret-42", 0.9)
        finally:
            for name in ("sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool"):
                logging.getLogger(name).setLevel(logging.WARNING)
    logged = caplog.text
    assert nickname not in logged and "typed-secret-42" not in logged and token not in logged


# --- a room's phones share one read of the room -----------------------------------------------------------

def _reads(store) -> list[str]:
    """Every statement the store sends from now on (a list that grows)."""
    sent: list[str] = []
    sa.event.listen(store._engine, "before_cursor_execute",
                    lambda _conn, _cursor, statement, *_: sent.append(statement))
    return sent


def test_a_room_of_phones_looking_at_once_costs_one_read_of_the_room(store, room, monkeypatch):
    monkeypatch.setattr("classroom.store.GLANCE_SECONDS", 3600.0)  # no read grows old during the test
    tokens = [store.join(room.code, f"s{i}") for i in range(30)]
    store.predict(room.code, tokens[0], "q1", "B")
    sent = _reads(store)
    glances = [store.glance(room.code, token) for token in tokens]
    assert len([s for s in sent if "class_students" in s]) == 1  # thirty phones, one read of who is there
    assert glances[0].mine == {1: "B"} and all(g.mine == {} for g in glances[1:])
    assert [g.nickname for g in glances] == [f"s{i}" for i in range(30)]


def test_a_phone_sees_its_own_answer_and_the_teachers_change_at_once_through_the_shared_read(store, room,
                                                                                              monkeypatch):
    monkeypatch.setattr("classroom.store.GLANCE_SECONDS", 3600.0)
    ana, bo = store.join(room.code, "ana"), store.join(room.code, "bo")
    assert store.glance(room.code, ana).mine == {}
    store.predict(room.code, ana, "q1", "A")
    store.predict(room.code, ana, "q1", "C")  # changed: the latest counts
    assert store.glance(room.code, ana).mine == {1: "C"} and store.glance(room.code, bo).mine == {}
    store.close_answers(room.code, room.teacher_token, "q1")
    assert store.glance(room.code, bo).current.closed
    store.vote_again(room.code, room.teacher_token, "q1")
    now = store.glance(room.code, ana)
    assert (now.current.round, now.current.closed, now.mine) == (2, False, {1: "C"})
    cy = store.join(room.code, "cy")  # joined after the read: looked up in the database itself
    assert store.glance(room.code, cy).nickname == "cy"
    store.remove_student(room.code, room.teacher_token, "bo")
    with pytest.raises(ClassroomError, match="removed this device"):
        store.glance(room.code, bo)
    store.close_room(room.code, room.teacher_token)
    with pytest.raises(ClassroomError, match="No open room"):
        store.glance(room.code, ana)


def test_another_process_change_reaches_the_phones_within_the_shared_reads_age(url, monkeypatch):
    monkeypatch.setattr("classroom.store.GLANCE_SECONDS", 0.2)
    phones, teacher = ClassStore(url), ClassStore(url)  # two replicas of the app on one database
    try:
        room = teacher.create_room()
        teacher.open_question(room.code, room.teacher_token, "q1", CHOICES)
        ana = phones.join(room.code, "ana")
        assert not phones.glance(room.code, ana).current.closed
        teacher.close_answers(room.code, room.teacher_token, "q1")
        time.sleep(0.25)
        assert phones.glance(room.code, ana).current.closed
    finally:
        phones.dispose()
        teacher.dispose()


def test_a_timer_closes_the_answers_on_a_shared_read_as_soon_as_it_runs_out(url, monkeypatch):
    monkeypatch.setattr("classroom.store.GLANCE_SECONDS", 3600.0)
    now = [time.time()]
    store = ClassStore(url, clock=lambda: now[0])
    try:
        room = store.create_room()
        store.open_question(room.code, room.teacher_token, "q1", CHOICES, seconds=30)
        ana = store.join(room.code, "ana")
        store.glance(room.code, ana)
        store.glance(room.code, ana)  # the second is from the shared read
        now[0] += 31
        seen = store.glance(room.code, ana).current
        assert seen.closed and seen.deadline is None
    finally:
        store.dispose()
