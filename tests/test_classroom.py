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
    with pytest.raises(ClassroomError, match="no room with"):
        store.join(code, "ana")
    with pytest.raises(ClassroomError, match="no room with"):
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


def test_a_closed_room_takes_nobody_and_nothing(store, room):
    token = store.join(room.code, "ana")
    store.close_room(room.code, room.teacher_token)
    with pytest.raises(ClassroomError, match="closed"):
        store.join(room.code, "bo")
    with pytest.raises(ClassroomError, match="closed"):
        store.predict(room.code, token, "q1", "A")
    assert store.tally(room.code, "q1") == {"A": 0, "B": 0, "C": 0}  # the projector still shows the result


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
    with pytest.raises(ClassroomError, match="already called"):
        store.join(room.code, "aNA")
    with pytest.raises(ClassroomError, match="already called"):
        store.join(room.code, "A\u200bna")
    other = store.create_room()
    store.join(other.code, "ana")  # another room is another namespace


def test_the_longest_nickname_allowed_fits():
    assert clean_nickname("n" * MAX_NICKNAME) == "n" * MAX_NICKNAME


def test_joins_are_rate_limited_per_session(store, room):
    for _ in range(5):
        with pytest.raises(ClassroomError, match="no room"):
            store.join("AAAAAA", "scanner", session="s1")
    with pytest.raises(ClassroomError, match="Too many tries"):
        store.join(room.code, "scanner", session="s1")
    store.join(room.code, "honest", session="s2")


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
        with pytest.raises(ClassroomError, match="expired"):
            store.predict(room.code, token, "q1", "B")
        with pytest.raises(ClassroomError, match="expired"):
            store.join(room.code, "bo")
        assert store.purge_expired() >= 1
        with pytest.raises(ClassroomError, match="no room"):
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


def test_the_join_limit_lifts_after_a_minute():
    from classroom.limits import WINDOW, JoinLimiter

    now = [1000.0]
    limiter = JoinLimiter(clock=lambda: now[0])
    for _ in range(5):
        limiter.attempt("s")
        limiter.wrong_code("s")
    with pytest.raises(ClassroomError, match=r"wait \d+ seconds"):
        limiter.attempt("s")
    limiter.attempt("other")  # another session is not slowed down
    now[0] += WINDOW + 1
    limiter.attempt("s")
