r"""A real network, the vault with 2,410 dials: an MLP 64 → 32 (tanh) → 10 that reads scikit-learn's digits.

    net = landscapes.digits_network()
    theta = net.init(seed=0)                      # (2410,)
    net.loss(theta), net.grad(theta), net.accuracy(theta, split="test")

The data are the 1,797 8×8 images that scikit-learn ships inside its package (`load_digits`: nothing is
downloaded), pixels scaled from 0-16 to [0, 1], split into 1,437 training and 360 test images with the
same share of every digit in both (`stratified_split`). scikit-learn is imported only by `load_digits`
here, the first time a page asks for the network, so no other page pays for its import.

The model is what torch builds as ``nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))`` with
the mean softmax cross-entropy: its parameters, flattened row-major in the order of `named_parameters()`
(`LAYOUT`), are the dials. So ``torch.nn.utils.vector_to_parameters(torch.tensor(theta), model.parameters())``
gives torch the very same loss and gradient (tests/test_network.py holds them to autograd's to 1e-12).

The backward pass, written out (n images, one-hot labels Y, row i of X an image)::

    Z₁ = X W₁ᵀ + b₁,  H = tanh Z₁,  Z₂ = H W₂ᵀ + b₂,  P = softmax(Z₂),  L = −(1/n) Σᵢ log Pᵢ,yᵢ
    ∂L/∂Z₂ = (P − Y)/n,  ∂L/∂W₂ = (∂L/∂Z₂)ᵀ H,  ∂L/∂b₂ = Σᵢ ∂L/∂Z₂
    ∂L/∂Z₁ = (∂L/∂Z₂ W₂) ⊙ (1 − H²),  ∂L/∂W₁ = (∂L/∂Z₁)ᵀ X,  ∂L/∂b₁ = Σᵢ ∂L/∂Z₁

Every function takes one parameter vector (2410,) or a stack of them (..., 2410), so the loss along a
whole path, or along several, is one call. Everything is float64.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from math import prod

import numpy as np

LAYOUT: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("0.weight", (32, 64)), ("0.bias", (32,)), ("2.weight", (10, 32)), ("2.bias", (10,)))
N_PARAMETERS = sum(prod(shape) for _, shape in LAYOUT)  # 2,410
N_TEST = 360
SPLIT_SEED = 0
PIXEL_MAX = 16.0  # load_digits' pixels count ink in 0..16
# Parameter vectors evaluated together: the hidden layer of 16 vectors over the training set is 6 MB,
# which keeps a long path's loss in cache-sized pieces instead of one array of gigabytes.
CHUNK = 16


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits as (images (1797, 64) float64 in [0, 1], labels (1797,) int64)."""
    from sklearn.datasets import load_digits as bundled  # imported here only: no other page pays for it

    images, labels = bundled(return_X_y=True)
    return np.asarray(images, dtype=np.float64) / PIXEL_MAX, np.asarray(labels, dtype=np.int64)


def stratified_split(labels: np.ndarray, n_test: int = N_TEST, seed: int = SPLIT_SEED):
    """(train indices, test indices), each sorted, with every class's share of the test set as close to its
    share of the data as whole images allow (largest remainders), the images of each class drawn by a
    permutation from NumPy's PCG64 generator seeded with `seed` (the same on every machine)."""
    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n_test / labels.size
    quota = np.floor(exact).astype(np.int64)
    # Largest remainders first; ties go to the smaller class label, so the split never depends on sorting.
    order = np.lexsort((classes, -(exact - quota)))
    quota[order[: n_test - quota.sum()]] += 1
    rng = np.random.default_rng(seed)
    test = [rng.permutation(np.flatnonzero(labels == c))[:q] for c, q in zip(classes, quota, strict=True)]
    test = np.sort(np.concatenate(test))
    train = np.setdiff1d(np.arange(labels.size), test)
    return train, test


def minibatch_indices(n_train: int, batch_size: int, steps: int, seed: int) -> np.ndarray:
    """The training images each step's click is heard on, (steps, batch_size): epochs one after another,
    each a fresh permutation of the n_train images from NumPy's PCG64 generator seeded with `seed`, cut into
    consecutive batches; the images left over at an epoch's end (fewer than a batch) are skipped, as
    torch's DataLoader does with drop_last=True, so every click averages the same number of images."""
    if not 1 <= batch_size <= n_train:
        raise ValueError(f"batch_size must be a whole number in [1, {n_train}], got {batch_size!r}")
    per_epoch = n_train // batch_size
    rng = np.random.default_rng(seed)
    epochs = -(-steps // per_epoch)
    batches = [rng.permutation(n_train)[: per_epoch * batch_size].reshape(per_epoch, batch_size)
               for _ in range(epochs)]
    if not batches:
        return np.empty((0, batch_size), dtype=np.int64)
    return np.concatenate(batches)[:steps]


@dataclass(frozen=True, eq=False)
class Network:
    """A classifier whose parameters are the dials: data, layout, and the loss with its gradient.

    `x_*` are float64 images (n, 64) in [0, 1], `y_*` int labels 0-9. Parameter vectors are flattened
    row-major in `layout` order, as torch's `parameters_to_vector` flattens the model.
    """

    key: str
    title: str
    description: str
    layout: tuple[tuple[str, tuple[int, ...]], ...]
    x_train: np.ndarray = field(repr=False)
    y_train: np.ndarray = field(repr=False)
    x_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)

    def __reduce__(self):
        # Pickled as a recipe (the app's caches hold trajectories that point at their network).
        if self.key == "digits":
            return digits_network, ()
        raise TypeError(f"network {self.key!r} is not built in, so it cannot be pickled")

    @property
    def size(self) -> int:
        """How many dials: 2,410."""
        return sum(prod(shape) for _, shape in self.layout)

    def slices(self) -> dict[str, tuple[slice, tuple[int, ...]]]:
        """Where each tensor lives in the flat vector: name -> (slice, shape)."""
        out, first = {}, 0
        for name, shape in self.layout:
            out[name] = (slice(first, first + prod(shape)), shape)
            first += prod(shape)
        return out

    def init(self, seed: int = 0) -> np.ndarray:
        """A fresh network, (2410,): every weight and bias drawn uniformly from ±1/√(inputs of its layer),
        the range torch.nn.Linear draws from, by NumPy's PCG64 generator seeded with `seed`."""
        rng = np.random.default_rng(seed)
        parts = []
        for _, shape in self.layout:
            fan_in = shape[1] if len(shape) == 2 else _fan_in_of_bias(self.layout, shape)
            bound = 1.0 / np.sqrt(fan_in)
            parts.append(rng.uniform(-bound, bound, size=prod(shape)))
        return np.concatenate(parts)

    def data(self, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
        if split == "train":
            return self.x_train, self.y_train
        if split == "test":
            return self.x_test, self.y_test
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")

    def loss(self, theta, split: str = "train") -> np.ndarray | float:
        """Mean cross-entropy over the split's images, for one vector (a float) or a stack (..., 2410)."""
        x, y = self.data(split)
        return self._per_vector(theta, lambda t: _forward(self, t, x, y)[0])

    def grad(self, theta) -> np.ndarray:
        """Gradient of the training loss, the shape of `theta`."""
        return self.loss_and_grad(theta)[1]

    def loss_and_grad(self, theta, indices=None):
        """Training loss and its gradient in one pass; `indices` picks the images (a mini-batch) to average
        over instead of the whole training set."""
        x, y = self.x_train, self.y_train
        if indices is not None:
            x, y = x[indices], y[indices]
        theta = np.asarray(theta, dtype=np.float64)
        flat = self._rows(theta)
        loss, grad = np.empty(flat.shape[0]), np.empty_like(flat)
        for first in range(0, flat.shape[0], CHUNK):
            rows = slice(first, first + CHUNK)
            loss[rows], grad[rows] = _forward(self, flat[rows], x, y, backward=True)
        if theta.ndim == 1:
            return float(loss[0]), grad[0]
        return loss.reshape(theta.shape[:-1]), grad.reshape(theta.shape)

    def logits(self, theta, images) -> np.ndarray:
        """The network's ten scores per image, (..., n, 10)."""
        images = np.asarray(images, dtype=np.float64)
        theta = np.asarray(theta, dtype=np.float64)
        flat = self._rows(theta)
        out = np.empty((flat.shape[0], images.shape[0], 10))
        for first in range(0, flat.shape[0], CHUNK):
            out[first:first + CHUNK] = _scores(self, flat[first:first + CHUNK], images)
        return out.reshape(*theta.shape[:-1], images.shape[0], 10)

    def predict(self, theta, images) -> np.ndarray:
        """The digit the network reads in each image, (..., n)."""
        return self.logits(theta, images).argmax(axis=-1)

    def accuracy(self, theta, split: str = "test") -> np.ndarray | float:
        """Share of the split's images read correctly."""
        x, y = self.data(split)
        return self._per_vector(theta, lambda t: (_scores(self, t, x).argmax(axis=-1) == y).mean(axis=-1))

    def _rows(self, theta: np.ndarray) -> np.ndarray:
        if theta.shape[-1:] != (self.size,):
            raise ValueError(f"parameters must have shape (..., {self.size}), got {theta.shape}")
        return theta.reshape(-1, self.size)

    def _per_vector(self, theta, compute):
        theta = np.asarray(theta, dtype=np.float64)
        flat = self._rows(theta)
        out = np.empty(flat.shape[0])
        with np.errstate(all="ignore"):
            for first in range(0, flat.shape[0], CHUNK):
                out[first:first + CHUNK] = compute(flat[first:first + CHUNK])
        return float(out[0]) if theta.ndim == 1 else out.reshape(theta.shape[:-1])


def _fan_in_of_bias(layout, shape) -> int:
    """A bias's layer takes as many inputs as the weight matrix just before it has columns."""
    previous = None
    for _, s in layout:
        if s == shape and previous is not None:
            return previous[1]
        previous = s if len(s) == 2 else previous
    raise ValueError(f"no weight matrix precedes a bias of shape {shape}")


def unpack(network: Network, flat: np.ndarray) -> list[np.ndarray]:
    """The layout's tensors of a stack of vectors (R, 2410), each (R, *shape): views where possible."""
    return [flat[:, part].reshape(flat.shape[0], *shape) for part, shape in network.slices().values()]


def _scores(network, flat, images):
    w1, b1, w2, b2 = unpack(network, flat)
    hidden = np.tanh(np.matmul(images, w1.transpose(0, 2, 1)) + b1[:, None, :])
    return np.matmul(hidden, w2.transpose(0, 2, 1)) + b2[:, None, :]


def _forward(network, flat, x, y, backward=False):
    """Mean cross-entropy of each vector in `flat` (R, 2410) on images x with labels y, and with
    `backward` its gradient (R, 2410), by the chain rule in the module's docstring.

    Scores are laid out (R, 10, n), digit-major, so the softmax's max and sum over the ten digits run along
    whole rows of images rather than along rows of ten numbers (ten times faster in NumPy)."""
    w1, b1, w2, b2 = unpack(network, flat)
    n = x.shape[0]
    hidden = np.tanh(np.matmul(x, w1.transpose(0, 2, 1)) + b1[:, None, :])  # (R, n, 32)
    scores = np.matmul(w2, hidden.transpose(0, 2, 1))  # (R, 10, n)
    scores += b2[:, :, None]
    top = scores.max(axis=1, keepdims=True)
    exp = np.exp(scores - top)
    total = exp.sum(axis=1, keepdims=True)
    columns = np.arange(n)
    loss = (top[:, 0] + np.log(total[:, 0]) - scores[:, y, columns]).mean(axis=-1)
    if not backward:
        return loss, None
    d_scores = exp / total
    d_scores[:, y, columns] -= 1.0
    d_scores /= n
    d_hidden = np.matmul(d_scores.transpose(0, 2, 1), w2)  # (R, n, 32)
    d_hidden *= 1.0 - hidden * hidden
    grad = np.empty_like(flat)
    parts = network.slices()
    grad[:, parts["0.weight"][0]] = np.matmul(d_hidden.transpose(0, 2, 1), x).reshape(flat.shape[0], -1)
    grad[:, parts["0.bias"][0]] = d_hidden.sum(axis=1)
    grad[:, parts["2.weight"][0]] = np.matmul(d_scores, hidden).reshape(flat.shape[0], -1)
    grad[:, parts["2.bias"][0]] = d_scores.sum(axis=2)
    return loss, grad


DESCRIPTION = (
    "A real network: 64 pixels in, 32 tanh units, 10 scores out, one per digit, trained on 1,437 of "
    "scikit-learn's 1,797 handwritten 8×8 digits and tested on the other 360. Its 2,410 weights and biases "
    "are the dials; the loss is its mean cross-entropy on the training images.")


@lru_cache(maxsize=1)
def digits_network() -> Network:
    """The digits network, built once per process (the first call imports scikit-learn and loads the data)."""
    images, labels = load_digits()
    train, test = stratified_split(labels)
    arrays = [images[train], labels[train], images[test], labels[test]]
    for a in arrays:
        a.flags.writeable = False  # shared by every caller
    return Network("digits", "Reading handwritten digits (a real network)", DESCRIPTION, LAYOUT, *arrays)
