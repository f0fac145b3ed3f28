"""Loss landscapes: the vaults. Each is a `Landscape` with an analytic gradient and a story to tell.

    landscapes.LANDSCAPES["rosenbrock"]        # the built-in surfaces, by key
    landscapes.from_expression("sin(x)*cos(y)")  # a surface the learner types in
"""

from landscapes.base import Bounds, Landscape, Point, typed_landscape
from landscapes.classic import CLASSIC_LANDSCAPES
from landscapes.digits_vault import build_digits_vault
from landscapes.expression import ExpressionError, from_expression
from landscapes.network import Network, digits_network
from landscapes.regression import linear_regression

# "digits" is built lazily: registering it neither trains its network nor imports scikit-learn.
LANDSCAPES: dict[str, Landscape] = {**CLASSIC_LANDSCAPES, "linear_regression": linear_regression(),
                                    "digits": build_digits_vault()}


def get(landscape: str | Landscape) -> Landscape:
    """The landscape itself, given a `Landscape` or the key of a built-in one."""
    if isinstance(landscape, Landscape):
        return landscape
    try:
        return LANDSCAPES[landscape]
    except (KeyError, TypeError):
        known = ", ".join(LANDSCAPES)
        raise ValueError(f"unknown landscape {landscape!r}: choose one of {known}") from None


__all__ = ["LANDSCAPES", "Bounds", "ExpressionError", "Landscape", "Network", "Point", "digits_network",
           "from_expression", "get", "linear_regression", "typed_landscape"]
