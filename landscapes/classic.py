"""The classic optimisation test surfaces, each with a hand-derived gradient and the lesson it teaches.

Every value and gradient function takes equal-shape arrays `x`, `y` and works elementwise, so one
definition serves a single point, a batch of runs and a plotting grid alike.
"""

from __future__ import annotations

import numpy as np

from landscapes.base import Landscape

# Hessian eigenvalues (along x, along y) of the axis-aligned quadratics f = (a x^2 + b y^2) / 2. They define
# those surfaces, and the app reads them to draw gradient descent's stability limit lr < 2 / max(|a|, |b|).
QUADRATIC_CURVATURE: dict[str, tuple[float, float]] = {
    "bowl": (2.0, 2.0),
    "ravine": (0.2, 20.0),  # condition number 100
    "saddle": (2.0, -2.0),
}


def _quadratic(key: str):
    """Value and gradient of (a x^2 + b y^2) / 2 with (a, b) = QUADRATIC_CURVATURE[key]."""
    a, b = QUADRATIC_CURVATURE[key]

    def value(x, y):
        return 0.5 * (a * x**2 + b * y**2)

    def grad(x, y):
        return a * x, b * y

    return value, grad


_bowl, _bowl_grad = _quadratic("bowl")
_ravine, _ravine_grad = _quadratic("ravine")
_saddle, _saddle_grad = _quadratic("saddle")


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _rosenbrock_grad(x, y):
    valley = y - x**2
    return -2 * (1 - x) - 400 * x * valley, 200 * valley


# Beale is a sum of three squared residuals r_k = c_k - x + x y^k, k = 1, 2, 3.
def _beale_residuals(x, y):
    return 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3


def _beale(x, y):
    r1, r2, r3 = _beale_residuals(x, y)
    return r1**2 + r2**2 + r3**2


def _beale_grad(x, y):
    r1, r2, r3 = _beale_residuals(x, y)
    gx = 2 * (r1 * (y - 1) + r2 * (y**2 - 1) + r3 * (y**3 - 1))
    gy = 2 * x * (r1 + 2 * r2 * y + 3 * r3 * y**2)
    return gx, gy


def _himmelblau(x, y):
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _himmelblau_grad(x, y):
    u = x**2 + y - 11
    v = x + y**2 - 7
    return 4 * x * u + 2 * v, 2 * u + 4 * y * v


def _booth(x, y):
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


def _booth_grad(x, y):
    u = x + 2 * y - 7
    v = 2 * x + y - 5
    return 2 * u + 4 * v, 4 * u + 2 * v


def _matyas(x, y):
    return 0.26 * (x**2 + y**2) - 0.48 * x * y


def _matyas_grad(x, y):
    return 0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x


def _three_hump_camel(x, y):
    return 2 * x**2 - 1.05 * x**4 + x**6 / 6 + x * y + y**2


def _three_hump_camel_grad(x, y):
    return 4 * x - 4.2 * x**3 + x**5 + y, x + 2 * y


def _six_hump_camel(x, y):
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (4 * y**2 - 4) * y**2


def _six_hump_camel_grad(x, y):
    return 8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3


def _rastrigin(x, y):
    return 20 + x**2 + y**2 - 10 * (np.cos(2 * np.pi * x) + np.cos(2 * np.pi * y))


def _rastrigin_grad(x, y):
    return 2 * x + 20 * np.pi * np.sin(2 * np.pi * x), 2 * y + 20 * np.pi * np.sin(2 * np.pi * y)


def _ackley_ripple(x, y):
    return np.exp(0.5 * (np.cos(2 * np.pi * x) + np.cos(2 * np.pi * y)))


def _ackley(x, y):
    r = np.sqrt(0.5) * np.hypot(x, y)
    # Grouped as 20 (1 - e^{-r/5}) + (e - ripple) so that the value at the origin is exactly 0, not rounding.
    return 20 * (1 - np.exp(-0.2 * r)) + (np.e - _ackley_ripple(x, y))


def _ackley_grad(x, y):
    rho = np.hypot(x, y)
    # The well is a cone in rho = |(x, y)|: the gradient of 20 (1 - e^{-rho / (5 sqrt 2)}) is the cone's slope
    # times the outward unit vector (x, y) / rho. That vector has no limit at the tip, where Ackley is not
    # differentiable; there we return 0, the subgradient symmetry singles out. Dividing x rather than 1 by rho
    # keeps the quotient within [-1, 1], so even subnormal inputs cannot overflow.
    slope = 2 * np.sqrt(2) * np.exp(-0.2 * np.sqrt(0.5) * rho)
    ux = np.divide(x, rho, out=np.zeros_like(rho), where=rho > 0)
    uy = np.divide(y, rho, out=np.zeros_like(rho), where=rho > 0)
    ripple = np.pi * _ackley_ripple(x, y)
    return slope * ux + ripple * np.sin(2 * np.pi * x), slope * uy + ripple * np.sin(2 * np.pi * y)


# Goldstein-Price is a product p q; each factor is a constant plus a squared linear form times a quadratic.
def _goldstein_price_factors(x, y):
    s = x + y + 1
    p_quad = 19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2
    t = 2 * x - 3 * y
    q_quad = 18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2
    return s, p_quad, t, q_quad


def _goldstein_price(x, y):
    s, p_quad, t, q_quad = _goldstein_price_factors(x, y)
    return (1 + s**2 * p_quad) * (30 + t**2 * q_quad)


def _goldstein_price_grad(x, y):
    s, p_quad, t, q_quad = _goldstein_price_factors(x, y)
    p = 1 + s**2 * p_quad
    q = 30 + t**2 * q_quad
    # ds/dx = ds/dy = 1 and d p_quad/dx = d p_quad/dy, so p has the same partial derivative in x and y.
    dp = 2 * s * p_quad + s**2 * (6 * x + 6 * y - 14)
    # dt/dx = 2, dt/dy = -3.
    dq_dx = 4 * t * q_quad + t**2 * (24 * x - 36 * y - 32)
    dq_dy = -6 * t * q_quad + t**2 * (54 * y - 36 * x + 48)
    return dp * q + p * dq_dx, dp * q + p * dq_dy


# Styblinski-Tang is separable: f(x, y) = h(x) + h(y) with h(t) = (t^4 - 16 t^2 + 5 t) / 2.
def _styblinski_tang_1d(t):
    return 0.5 * (t**4 - 16 * t**2 + 5 * t)


def _styblinski_tang_1d_slope(t):
    return 2 * t**3 - 16 * t + 2.5


def _styblinski_tang(x, y):
    return _styblinski_tang_1d(x) + _styblinski_tang_1d(y)


def _styblinski_tang_grad(x, y):
    return _styblinski_tang_1d_slope(x), _styblinski_tang_1d_slope(y)


def _styblinski_tang_argmin() -> float:
    """The deeper minimum of h: the smallest root of h'(t), i.e. of 4t^3 - 32t + 5."""
    t = float(np.roots([4.0, 0.0, -32.0, 5.0]).real.min())
    # One Newton step cleans up the last ulps the companion-matrix eigenvalues may leave.
    return t - (4 * t**3 - 32 * t + 5) / (12 * t**2 - 32)


_ST = _styblinski_tang_argmin()

# Minima with no closed form, polished offline by Newton's method in 40-digit arithmetic (mpmath) and rounded
# to the nearest double; the tests check that the gradient vanishes there.
_HIMMELBLAU_MINIMA = (
    (3.0, 2.0),
    (-2.805118086952745, 3.131312518250573),
    (-3.779310253377747, -3.2831859912861696),
    (3.5844283403304917, -1.8481265269644036),
)
_SIX_HUMP_CAMEL_MINIMA = (
    (0.08984201310031806, -0.7126564030207396),
    (-0.08984201310031806, 0.7126564030207396),
)
_SIX_HUMP_CAMEL_MIN = -1.0316284534898774

_LANDSCAPES = (
    Landscape(
        key="bowl",
        title="The bowl",
        description=(
            "The practice safe: one round dip, and every click points straight at the combination. "
            "Any sensible step size gets there; push the learning rate past 2/L = 1 and the dial "
            "overshoots the mark by more each turn."
        ),
        latex=r"f(x, y) = x^2 + y^2",
        bounds=((-4.0, 4.0), (-4.0, 4.0)),
        minima=((0.0, 0.0),),
        min_value=0.0,
        start=(-3.0, 2.5),
        value_fn=_bowl,
        grad_fn=_bowl_grad,
    ),
    Landscape(
        key="ravine",
        title="The ravine",
        description=(
            "A long, narrow valley: the y dial is a hundred times touchier than the x dial. A learning rate "
            "small enough for the steep walls moves plain gradient descent only inches along the gentle "
            "floor, and it does not get there in 200 steps. Momentum builds up speed along the floor and "
            "gets to the combination several times sooner, weaving across the valley as it goes."
        ),
        latex=r"f(x, y) = 0.1\,x^2 + 10\,y^2",
        bounds=((-10.0, 10.0), (-3.0, 3.0)),
        minima=((0.0, 0.0),),
        min_value=0.0,
        start=(-9.0, 2.0),
        value_fn=_ravine,
        grad_fn=_ravine_grad,
    ),
    Landscape(
        key="saddle",
        title="The saddle",
        description=(
            "A door that seems open: the clicks lead to the centre and fall silent there, as if this were "
            "the combination. It is a saddle, and the loss keeps falling along y for ever, so there is no "
            "bottom to find: a hand that escapes runs off the map, which here is the point. Starting a hair "
            "off the ridge, plain descent lingers at the centre, while Adam hears the faint sideways click "
            "and escapes."
        ),
        latex=r"f(x, y) = x^2 - y^2",
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        minima=(),
        min_value=None,
        # Off the axis on purpose: on y = 0 exactly the gradient has no y part and nothing could ever escape.
        start=(-1.5, 0.01),
        value_fn=_saddle,
        grad_fn=_saddle_grad,
        # With nothing to crack, the tuner has nothing to aim at: the story is told at the hands' defaults.
        teaching_lr={"sgd": 0.01, "adam": 0.05, "adamw": 0.05},
    ),
    Landscape(
        key="rosenbrock",
        title="The slow banana (Rosenbrock)",
        description=(
            "Finding the curved valley floor is quick; following it to the combination at (1, 1) is slow, "
            "because the floor bends and barely slopes. Plain descent crawls along the banana; momentum, "
            "Nesterov and Adam carry their speed along the floor and get closest in 200 steps, while AdaGrad "
            "and RMSprop, whose steps stay sized for the steep walls, fall behind even plain descent. "
            "Nobody opens it in 200 steps."
        ),
        latex=r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
        minima=((1.0, 1.0),),
        min_value=0.0,
        start=(-1.2, 1.0),
        value_fn=_rosenbrock,
        grad_fn=_rosenbrock_grad,
        log_scale=True,
    ),
    Landscape(
        key="beale",
        title="Plains and cliffs (Beale)",
        description=(
            "Around the combination the clicks are almost inaudible; out by the corners they are a hundred "
            "thousand times louder. One learning rate for all of it is either timid on the plain or wild "
            "on the cliffs, which is the problem adaptive methods such as Adam and RMSProp solve."
        ),
        latex=(
            r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2"
            r" + (2.625 - x + xy^3)^2"
        ),
        bounds=((-4.5, 4.5), (-4.5, 4.5)),
        minima=((3.0, 0.5),),
        min_value=0.0,
        start=(1.0, 1.5),
        value_fn=_beale,
        grad_fn=_beale_grad,
        log_scale=True,
    ),
    Landscape(
        key="himmelblau",
        title="Four combinations (Himmelblau)",
        description=(
            "This vault opens with any of four combinations, all equally good. The start sits just off the "
            "hilltop between them, so moving it a little, or changing the optimizer, sends the run to a "
            "different one."
        ),
        latex=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        minima=_HIMMELBLAU_MINIMA,
        min_value=0.0,
        start=(-0.3, -0.9),
        value_fn=_himmelblau,
        grad_fn=_himmelblau_grad,
        log_scale=True,
    ),
    Landscape(
        key="booth",
        title="Dials that interact (Booth)",
        description=(
            "The best setting of one dial depends on the other, so the valley runs on a slant. The click "
            "always points straight downhill, which is not straight at the combination: watch gradient "
            "descent curve its way in."
        ),
        latex=r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
        bounds=((-10.0, 10.0), (-10.0, 10.0)),
        minima=((1.0, 3.0),),
        min_value=0.0,
        start=(-8.0, 4.0),
        value_fn=_booth,
        grad_fn=_booth_grad,
    ),
    Landscape(
        key="matyas",
        title="The faint diagonal (Matyas)",
        description=(
            "A shallow trough along the diagonal, 25 times flatter along its floor than across it. "
            "The crossing is over in a few steps; the click along the floor is so faint that plain "
            "descent dawdles the rest of the way to the origin."
        ),
        latex=r"f(x, y) = 0.26\,(x^2 + y^2) - 0.48\,xy",
        bounds=((-10.0, 10.0), (-10.0, 10.0)),
        minima=((0.0, 0.0),),
        min_value=0.0,
        start=(-8.0, -4.0),
        value_fn=_matyas,
        grad_fn=_matyas_grad,
    ),
    Landscape(
        key="three_hump_camel",
        title="Three humps (three-hump camel)",
        description=(
            "Three dips in a row: the true combination in the middle and a shallower false one on each "
            "side. A careful safecracker who starts out on the flank settles in the side dip and never "
            "hears the better combination next door: plain descent at a small step, AdaGrad and RMSprop. "
            "Momentum and Adam build up a swing that carries them over the hump into the middle. (Plain "
            "descent with a bold first step, lr 0.07 or more, overshoots the side valley altogether.)"
        ),
        latex=r"f(x, y) = 2x^2 - 1.05\,x^4 + \frac{x^6}{6} + xy + y^2",
        bounds=((-2.5, 2.5), (-2.5, 2.5)),
        minima=((0.0, 0.0),),
        min_value=0.0,
        start=(-2.4, 2.4),
        value_fn=_three_hump_camel,
        grad_fn=_three_hump_camel_grad,
        # Plain descent cracks it from 0.07 up, but only because its first step overshoots the side valley;
        # the story is the careful hand caught in the dip.
        teaching_lr={"sgd": 0.03},
    ),
    Landscape(
        key="six_hump_camel",
        title="Six humps, two winners (six-hump camel)",
        description=(
            "Six dips, and two of them tie for deepest, mirror images through the centre. Four shallower "
            "dips wait on the flanks to catch a run that starts in the wrong place: from this start plain "
            "descent is caught in one, while the other hands reach a deepest dip (AdaGrad and RMSprop one "
            "twin, momentum and Adam the other)."
        ),
        latex=r"f(x, y) = \left(4 - 2.1\,x^2 + \frac{x^4}{3}\right)x^2 + xy + (4y^2 - 4)\,y^2",
        bounds=((-2.0, 2.0), (-1.2, 1.2)),
        minima=_SIX_HUMP_CAMEL_MINIMA,
        min_value=_SIX_HUMP_CAMEL_MIN,
        start=(-1.9, -1.0),
        value_fn=_six_hump_camel,
        grad_fn=_six_hump_camel_grad,
    ),
    Landscape(
        key="rastrigin",
        title="A notch at every number (Rastrigin)",
        description=(
            "A dial with a notch at every whole number, and each notch clicks like the real thing. Gradient "
            "descent stops in the first one it meets; only the broad bowl underneath the notches leads to "
            "the true combination at the origin. Momentum's swing can carry it over a notch or two, but "
            "from this start no hand at a steady learning rate opens it."
        ),
        latex=r"f(x, y) = 20 + x^2 + y^2 - 10\left(\cos 2\pi x + \cos 2\pi y\right)",
        bounds=((-5.12, 5.12), (-5.12, 5.12)),
        minima=((0.0, 0.0),),
        min_value=0.0,
        start=(-4.3, 3.7),
        value_fn=_rastrigin,
        grad_fn=_rastrigin_grad,
    ),
    Landscape(
        key="ackley",
        title="The well in the plain (Ackley)",
        description=(
            "A bumpy, almost flat plain with one deep well in the middle. Far out, the clicks come from the "
            "bumps rather than the well, so from this start every hand at a steady learning rate stops in "
            "a bump short of the well. Only a rate big enough to jump the bumps gets in, and that is luck, "
            "not skill."
        ),
        latex=(
            r"f(x, y) = -20\,e^{-0.2\sqrt{(x^2 + y^2)/2}}"
            r" - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20"
        ),
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        minima=((0.0, 0.0),),
        min_value=0.0,
        start=(-3.3, 2.8),
        value_fn=_ackley,
        grad_fn=_ackley_grad,
    ),
    Landscape(
        key="goldstein_price",
        title="Six decades (Goldstein-Price)",
        description=(
            "The loss ranges from 3 to about a million, so the colours are logarithmic; on a linear scale "
            "everything but the walls would look flat. Among the false bottoms, one at (-0.6, -0.4) lies "
            "right beside the combination and catches runs that come in too fast, such as Adam at lr 0.5."
        ),
        latex=(
            r"f(x, y) = \left[1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
            r" \left[30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]"
        ),
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        minima=((0.0, -1.0),),
        min_value=3.0,
        start=(-1.5, 0.5),
        value_fn=_goldstein_price,
        grad_fn=_goldstein_price_grad,
        log_scale=True,
    ),
    Landscape(
        key="styblinski_tang",
        title="The deeper corner (Styblinski-Tang)",
        description=(
            "Each dial has a shallow notch and a deep one on opposite sides of a hump, so the vault has "
            "four dips and only the lower-left one opens it. Plain descent, AdaGrad and RMSprop keep each "
            "dial on the side it started; the swing of momentum and Adam carries the x dial over its hump "
            "into the deeper notch."
        ),
        latex=r"f(x, y) = \tfrac{1}{2}\left(x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y\right)",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        minima=((_ST, _ST),),
        min_value=2 * _styblinski_tang_1d(_ST),
        start=(4.8, -3.5),
        value_fn=_styblinski_tang,
        grad_fn=_styblinski_tang_grad,
    ),
)

CLASSIC_LANDSCAPES: dict[str, Landscape] = {landscape.key: landscape for landscape in _LANDSCAPES}
