r"""A network's loss on a plane through its parameter space: two real dials out of 2,410.

    plane = LossPlane(net, origin, u, v)       # θ(x, y) = origin + x·u + y·v
    plane.value(x, y), plane.grad(x, y)        # the training loss there, and its exact slope in x and y

Evaluated without building θ for every point: the first layer's pre-activations are linear in (x, y),
Z₁ = A₀ + x·A_u + y·A_v with A = X Wᵀ + b computed once per direction, and the output layer's scores are
Q₀ + x·Q_u + y·Q_v from one matrix product of the hidden layer with the three directions' weights. The
gradient is the network's gradient projected on u and v, taken by the chain rule through those same
pieces: ∂L/∂x = Σ ∂L/∂Z₂ ⊙ (H W_uᵀ + b_u) + Σ ∂L/∂Z₁ ⊙ A_u, and likewise for y.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from landscapes.network import Network, unpack

# Points evaluated together: the hidden layer of 8 points over 1,437 images is 3 MB, which stays in cache.
POINTS_PER_BLOCK = 8


class LossPlane:
    """The training loss of `network` on the plane origin + x·u + y·v (u, v need not be orthogonal).

    With `remember`, the losses of the last `remember` points whose gradient was asked for are kept, since
    computing a click computes the loss there too: a run's loss along its path (which `optim.simulate` asks
    for after the clicks) is then read back instead of computed again. Exactly the same numbers either way.
    """

    def __init__(self, network: Network, origin, u, v, remember: int = 0):
        self.network = network
        self._remember = remember
        self._known: OrderedDict[tuple[float, float], float] = OrderedDict()
        self._lock = threading.Lock()
        self.origin, self.u, self.v = (np.asarray(a, dtype=np.float64) for a in (origin, u, v))
        x, labels = network.x_train, network.y_train
        w1, b1, w2, b2 = unpack(network, np.stack([self.origin, self.u, self.v]))
        first = np.matmul(x, w1.transpose(0, 2, 1)) + b1[:, None, :]  # (3, n, 32): A₀, A_u, A_v
        self._first = first.reshape(3, -1)
        self._hidden_shape = first.shape[1:]
        self._w2, self._b2 = w2, b2  # (3, 10, 32), (3, 10)
        self._labels = labels
        self._rows = np.arange(labels.size)

    def value(self, x, y) -> np.ndarray:
        """The loss at every (x, y) (equal-shape arrays, or numbers), shape of x."""
        if not self._remember:
            return self._evaluate(x, y, gradient=False)[0]
        x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        keys = list(zip(x.ravel().tolist(), y.ravel().tolist(), strict=True))
        with self._lock:
            found = [self._known.get(key) for key in keys]
        missing = [i for i, value in enumerate(found) if value is None]
        if missing:
            fresh = self._evaluate(x.ravel()[missing], y.ravel()[missing], gradient=False)[0]
            for i, value in zip(missing, fresh.tolist(), strict=True):
                found[i] = value
        return np.array(found, dtype=np.float64).reshape(x.shape)

    def grad(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """(∂L/∂x, ∂L/∂y) at every point."""
        _, gx, gy = self._evaluate(x, y, gradient=True)
        return gx, gy

    def value_and_grad(self, x, y):
        return self._evaluate(x, y, gradient=True)

    def _evaluate(self, x, y, gradient):
        x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        shape = x.shape
        xs, ys = x.ravel(), y.ravel()
        loss = np.empty(xs.size)
        gx, gy = (np.empty(xs.size), np.empty(xs.size)) if gradient else (None, None)
        for first in range(0, xs.size, POINTS_PER_BLOCK):
            block = slice(first, first + POINTS_PER_BLOCK)
            out = self._block(xs[block], ys[block], gradient)
            loss[block] = out[0]
            if gradient:
                gx[block], gy[block] = out[1], out[2]
        if not gradient:
            return loss.reshape(shape), None, None
        if self._remember:
            with self._lock:
                for key, value in zip(zip(xs.tolist(), ys.tolist(), strict=True), loss.tolist(), strict=True):
                    self._known[key] = value
                while len(self._known) > self._remember:
                    self._known.popitem(last=False)
        return loss.reshape(shape), gx.reshape(shape), gy.reshape(shape)

    def _block(self, px, py, gradient):
        # Scores are laid out (P, 10, n), digit-major, so the softmax's max and sum over the ten digits run
        # along whole rows of images instead of along ten-number rows (ten times faster in NumPy). Every point is
        # computed on its own (elementwise combinations and per-point sums, no product across points), so a
        # point's loss and slope do not depend on which other points share its block, to the last bit.
        n = self._labels.size
        cx, cy = px[:, None, None], py[:, None, None]
        first = self._first.reshape(3, *self._hidden_shape)
        hidden = np.tanh(first[0] + cx * first[1] + cy * first[2])  # (P, n, 32)
        w2 = self._w2[0] + cx * self._w2[1] + cy * self._w2[2]  # (P, 10, 32): each point's output weights
        scores = np.matmul(w2, hidden.transpose(0, 2, 1))  # (P, 10, n)
        scores += (self._b2[0] + px[:, None] * self._b2[1] + py[:, None] * self._b2[2])[:, :, None]
        top = scores.max(axis=1, keepdims=True)
        exp = np.exp(scores - top)
        total = exp.sum(axis=1, keepdims=True)
        loss = (top[:, 0] + np.log(total[:, 0]) - scores[:, self._labels, self._rows]).mean(axis=-1)
        if not gradient:
            return loss, None, None
        d_scores = exp / total
        d_scores[:, self._labels, self._rows] -= 1.0
        d_scores /= n
        d_w2 = np.matmul(d_scores, hidden)  # (P, 10, 32): ∂L/∂W₂ at each point
        d_b2 = d_scores.sum(axis=2)
        d_hidden = np.matmul(d_scores.transpose(0, 2, 1), w2)  # (P, n, 32)
        np.multiply(hidden, hidden, out=hidden)
        np.subtract(1.0, hidden, out=hidden)
        d_hidden *= hidden
        along = []
        for k in (1, 2):
            output_layer = (d_w2 * self._w2[k]).sum(axis=(1, 2)) + (d_b2 * self._b2[k]).sum(axis=1)
            along.append(output_layer + (d_hidden * first[k]).sum(axis=(1, 2)))
        return loss, along[0], along[1]
