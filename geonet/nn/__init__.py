"""geonet.nn: a multilayer perceptron trained by backpropagation, in NumPy alone.

Layers l = 1..L: z(l) = W(l) a(l−1) + b(l), a(l) = σ(z(l)); rows are samples, W(l) is
(n_l, n_{l−1}), so on a batch z = a_prev @ W.T + b.  See backprop.py for the four equations.
Imports nothing but numpy, the standard library, geonet.errors and geonet.spawning.
"""

from .activations import ACTIVATIONS, OUTPUTS
from .costs import COSTS, SHORTCUTS
from .batches import BatchSource, array_batches, fit_batches, shuffled_batches
from .fit import EpochEnd, History, balanced_class_weights, fit
from .network import Network
from .optimizers import SGD, Adam, Momentum, make_optimizer
from .schedules import make_schedule
from .serialize import load_network, save_network

__all__ = [
    "ACTIVATIONS", "OUTPUTS", "COSTS", "SHORTCUTS", "Network", "fit", "EpochEnd", "History", "SGD", "Momentum",
    "Adam", "make_optimizer", "make_schedule", "balanced_class_weights", "save_network", "load_network",
    "BatchSource", "array_batches", "fit_batches", "shuffled_batches",
]
