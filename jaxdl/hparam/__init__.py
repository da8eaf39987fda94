"""Hyper-parameter search (notes 2.10-2.11), with trials run vectorised.

* ``spaces``: per-parameter scales - LogUniform (learning rate 10^r),
  OneMinusLogUniform (beta = 1 - 10^r), Uniform, IntUniform, Choice.
* ``search``: random sampling (the notes' choice), grid (for comparison),
  coarse-to-fine zooming into the region of the best trials.
* ``vectorized``: K trials of one model trained at once - jax.vmap over
  (params, optimizer state, hyper-parameters) inside one jitted step, the
  optimizer's hyper-parameters injected with optax.inject_hyperparams, the
  trial axis sharded over the devices when there are several.
"""
from jaxdl.hparam.search import coarse_to_fine
from jaxdl.hparam.search import grid_search_points
from jaxdl.hparam.search import random_search_points
from jaxdl.hparam.spaces import Choice
from jaxdl.hparam.spaces import IntUniform
from jaxdl.hparam.spaces import LogUniform
from jaxdl.hparam.spaces import OneMinusLogUniform
from jaxdl.hparam.spaces import Uniform

__all__ = ["coarse_to_fine", "grid_search_points", "random_search_points",
           "Choice", "IntUniform", "LogUniform", "OneMinusLogUniform",
           "Uniform"]
