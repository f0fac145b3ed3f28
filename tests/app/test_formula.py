"""Your own lock in the app: a typed formula becomes a vault; a hostile one is refused in words."""

import os

import pytest

from tests.apptest_helpers import charts, no_exception, open_page, texts

CRACK, RACE = "pages/1_Crack_the_safe.py", "pages/2_The_race.py"

PWNED = "/tmp/safecracker-pwned"
HOSTILE = [
    f"__import__('os').system('touch {PWNED}')",
    "().__class__.__bases__[0].__subclasses__()",
    "open('/etc/passwd').read()",
    "eval('1+1')",
    "x.real",
    "lambda: 1",
    "9**9**9**9",
    "(" * 5000 + "x" + ")" * 5000,
    "x" * 400,
    "sin(x)\x00; import os",
    "z + 1",
    "",
]


def test_a_typed_formula_becomes_a_vault_with_its_gradient_in_latex():
    at = open_page(CRACK, {"landscape": "custom", "expression": "x^2 + 3*y^2"})
    no_exception(at)
    assert not at.sidebar.error
    latex = " ".join(element.value for element in at.get("latex"))
    assert "f(x, y)" in latex and "nabla" in latex and "6 y" in latex.replace("\\,", " ")
    assert len(charts(at)) == 1
    assert "estimated on a grid" in texts(at)
    assert at.query_params["expression"] == "x^2 + 3*y^2"


def test_typing_a_new_formula_reruns_and_keeps_working():
    at = open_page(CRACK, {"landscape": "custom"})
    at.text_input(key="expression").input("sin(x)*cos(y)").run()
    no_exception(at)
    assert "sin(x)*cos(y)" in texts(at)


@pytest.mark.parametrize("formula", HOSTILE)
def test_hostile_formulas_are_refused_beside_the_box(formula):
    at = open_page(CRACK, {"landscape": "custom"})
    at.text_input(key="expression").input(formula[:300]).run()
    no_exception(at)
    assert not os.path.exists(PWNED)
    assert at.sidebar.error, f"no refusal shown for {formula[:40]!r}"
    assert "can't be used" in at.sidebar.error[0].value


def test_the_race_accepts_your_own_formula():
    at = open_page(RACE, {"landscape": "custom", "expression": "x^4 - x^2 + y^2"})
    no_exception(at)
    assert len(charts(at)) >= 1


def test_a_hostile_formula_in_a_shared_link_is_refused_not_run():
    at = open_page(CRACK, {"landscape": "custom", "expression": "__import__('os').getcwd()"})
    no_exception(at)
    assert at.sidebar.error


@pytest.mark.parametrize("page", [CRACK, RACE, "pages/3_Inside_the_hand.py"])
@pytest.mark.parametrize("formula", ["x**", "__import__('os')"])
def test_a_refused_formula_is_explained_in_the_page_not_only_in_the_closed_sidebar(page, formula):
    """On a phone the sidebar is closed: the page itself says the formula was refused, why, that nothing is
    drawn, and where to fix it."""
    at = open_page(page, {"landscape": "custom"})
    at.text_input(key="expression").input(formula).run()
    no_exception(at)
    reason = at.sidebar.error[0].value
    assert "can't be used" in reason
    main = [e.value for e in at.main.error]
    assert len(main) == 1 and "refused" in main[0] and reason in main[0], main
    assert "nothing is drawn" in main[0] and not charts(at)
    assert "under **The vault** in the sidebar" in texts(at)


def test_a_fixed_formula_takes_the_refusal_off_the_page():
    at = open_page(CRACK, {"landscape": "custom", "expression": "x**"})
    assert at.main.error
    at.text_input(key="expression").input("x^2 + y^2").run()
    no_exception(at)
    assert not at.main.error and not at.sidebar.error and len(charts(at)) == 1
