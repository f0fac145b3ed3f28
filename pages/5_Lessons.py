"""Lessons: predict, then run. A question about the hands, your guess, the run, and why it went that way."""

import math

import streamlit as st

from ui import lessons, page, url_state, widgets

PAGE = "lessons"
SLUGS = list(lessons.LESSONS)


def choose_next(slug: str) -> None:
    st.session_state.lesson = SLUGS[(SLUGS.index(slug) + 1) % len(SLUGS)]


def mark_run(slug: str) -> None:
    # The guess is kept with the run: the radio's own state is dropped while another lesson is on screen.
    st.session_state[f"ran_{slug}"] = st.session_state.get(f"guess_{slug}")


def start_over(slug: str) -> None:
    st.session_state.pop(f"ran_{slug}", None)
    st.session_state.pop(f"guess_{slug}", None)


def adopt_address(slug: str) -> None:
    """On arrival (a shared link, a refresh), the guess and the run the address holds become this lesson's."""
    guess = st.session_state.get("guess")
    if guess is None or guess != guess:  # NaN: no guess in the address
        return
    st.session_state[f"guess_{slug}"] = int(guess)
    if st.session_state.get("ran"):
        st.session_state[f"ran_{slug}"] = int(guess)


def mirror_in_address(slug: str) -> None:
    """The address holds the current lesson's guess and whether it was run, like every other setting."""
    guess = st.session_state.get(f"guess_{slug}")
    st.session_state.guess = math.nan if guess is None else int(guess)
    # Only a lesson that was run says so: an address without `ran` is one that was not.
    st.session_state.ran = True if f"ran_{slug}" in st.session_state else None


presenter = page.frame("Lessons")
# The guess's range depends on the lesson, so the lesson the address asks for is read first.
asked = lessons.LESSONS[url_state.pending_choice("lesson", SLUGS[0], SLUGS)]
settings = [url_state.choice("lesson", SLUGS[0], SLUGS),
            url_state.number("guess", math.nan, 0, len(asked.options) - 1, integer=True),
            url_state.switch("ran", False)]
if url_state.restore(PAGE, settings):
    adopt_address(st.session_state.lesson)
url_state.show_problems(PAGE)

st.title("Lessons")
st.markdown("Each lesson asks what a hand will do. Make your guess first, then run it and see why. "
            "Guessing wrong is the point: that is where the intuition gets fixed.")
slug = st.selectbox("Lesson", SLUGS, key="lesson",
                    format_func=lambda s: f"{SLUGS.index(s) + 1}. {lessons.LESSONS[s].title}",
                    help="Pick a scenario. The address bar remembers it, with your guess and whether you ran it, "
                         "so a refresh keeps both and a teacher can share one lesson.")
mirror_in_address(slug)
url_state.publish(PAGE, settings)
lesson = lessons.LESSONS[slug]

st.subheader(lesson.title)
st.markdown(f"##### {lesson.question}")
st.caption(lesson.scenario())
ran = f"ran_{slug}" in st.session_state
if ran and st.session_state.get(f"guess_{slug}") is None:
    st.session_state[f"guess_{slug}"] = st.session_state[f"ran_{slug}"]
guess = st.radio("Your guess", range(len(lesson.options)), index=None, key=f"guess_{slug}",
                 format_func=lambda i: lesson.options[i],
                 help="Commit to an answer before you run it: a prediction you can check teaches more than a "
                      "result you only watch.")
if not ran:
    st.button("▶ Run it", key=f"run_{slug}", type="primary", disabled=guess is None, on_click=mark_run,
              args=(slug,), help="Make your guess first, then run the scenario.")
    if guess is None:
        st.info("Make your guess above, then press **Run it**.", icon=":material/psychology_alt:")
    page.links()
    st.stop()

right, verdict = lesson.verdict(guess)
if right:
    st.success(verdict, icon=":material/check_circle:")
else:
    st.error(verdict, icon=":material/cancel:")
text, measured, spun_off = lessons.summary(slug)
widgets.summary(text, spun_off=spun_off)
lessons.show(slug, f"chart_{slug}", page.figure_layout())
st.caption("Press ▶ Play to replay the runs side by side; drag the step slider to scrub.")
st.markdown("#### Why")
st.markdown(f"**Measured on these runs:** {measured}")
st.markdown(lesson.explanation)
columns = st.columns([1, 1, 4])
columns[0].button("Next lesson →", key="next_lesson", on_click=choose_next, args=(slug,), type="primary",
                  help="Go on to the next scenario.")
columns[1].button("↺ Ask again", key=f"again_{slug}", on_click=start_over, args=(slug,),
                  help="Hide the answer and clear the guess, to ask the question afresh (for a class, say).")
page.links()
