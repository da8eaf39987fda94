"""Random vs grid search and coarse-to-fine (notes 2.10-2.11).

A search space is a dict name -> space (see ``spaces.py``); a set of trial
points is a dict name -> [n] array. With d hyper-parameters a grid of n
points tries only n^(1/d) distinct values of each one; random search tries n
distinct values of every one, which is what counts when some
hyper-parameters barely matter.
"""

import dataclasses
import math
from typing import Callable

import numpy as np


def _check_space(space):
  if not space:
    raise ValueError("space must name at least one hyper-parameter.")
  for name, dist in space.items():
    if not hasattr(dist, "from_unit"):
      raise ValueError(
          f"space[{name!r}] must be a jaxdl.hparam.spaces " f"object, got {type(dist).__name__}."
      )


def random_search_points(space, num_trials, seed):
  """num_trials independent draws, each hyper-parameter on its own scale.

  Args:
    space: dict name -> space.
    num_trials: number of points n (>= 1).
    seed: numpy seed.

  Returns:
    dict name -> [n] array of values.
  """
  _check_space(space)
  if num_trials < 1:
    raise ValueError(f"num_trials must be >= 1, got {num_trials}.")
  rng = np.random.default_rng(seed)
  return {name: dist.from_unit(rng.uniform(size=num_trials)) for name, dist in space.items()}


def grid_search_points(space, num_trials):
  """A full grid of at most num_trials points: floor(n^(1/d)) values per axis.

  Values sit at the cell centres (u = (i + 0.5) / k) on each scale.

  Returns:
    dict name -> [k^d] array of values.
  """
  _check_space(space)
  per_axis = int(math.floor(num_trials ** (1.0 / len(space)) + 1e-9))
  if per_axis < 1:
    raise ValueError(
        f"num_trials={num_trials} is too small for a grid over " f"{len(space)} hyper-parameters."
    )
  axes = [(np.arange(per_axis) + 0.5) / per_axis for _ in space]
  mesh = np.meshgrid(*axes, indexing="ij")
  return {name: dist.from_unit(u.ravel()) for (name, dist), u in zip(space.items(), mesh)}


@dataclasses.dataclass
class SearchRound:
  """One round of coarse-to-fine: the space searched and what it found."""

  space: dict  # name -> space used for this round
  points: dict  # name -> [n] values tried
  scores: np.ndarray  # [n] objective (lower is better)


def coarse_to_fine(
    evaluate: Callable[[dict], np.ndarray],
    space,
    *,
    rounds=2,
    trials_per_round=16,
    keep_fraction=0.25,
    margin=0.1,
    seed=0,
):
  """Random search, then repeated random search in the best trials' region.

  Args:
    evaluate: points dict (name -> [n]) -> [n] scores, lower is better; it
      may train all n trials at once (``vectorized.train_trials``).
    space: dict name -> space for the first (coarse) round.
    rounds: number of rounds (>= 1).
    trials_per_round: points per round.
    keep_fraction: share of the best trials whose hull defines the next
      round's space.
    margin: widening of that hull, as a fraction of its width on the unit
      scale.
    seed: numpy seed (round r uses seed + r).

  Returns:
    list of SearchRound, coarse first.
  """
  if rounds < 1:
    raise ValueError(f"rounds must be >= 1, got {rounds}.")
  if not 0.0 < keep_fraction <= 1.0:
    raise ValueError(f"keep_fraction must be in (0, 1], got {keep_fraction}.")
  history = []
  for r in range(rounds):
    points = random_search_points(space, trials_per_round, seed + r)
    scores = np.asarray(evaluate(points), dtype=np.float64)
    if scores.shape != (trials_per_round,):
      raise ValueError(
          f"evaluate must return [{trials_per_round}] scores, " f"got shape {scores.shape}."
      )
    history.append(SearchRound(space=dict(space), points=points, scores=scores))
    finite = np.where(np.isfinite(scores), scores, np.inf)
    best = np.argsort(finite)[: max(1, int(round(keep_fraction * trials_per_round)))]
    space = {name: dist.narrow(points[name][best], margin) for name, dist in space.items()}
  return history


def best_trial(history):
  """(points dict of the single best trial, its score) over all rounds."""
  best = None
  for rnd in history:
    i = int(np.nanargmin(rnd.scores))
    if best is None or rnd.scores[i] < best[1]:
      best = ({k: v[i] for k, v in rnd.points.items()}, float(rnd.scores[i]))
  return best
