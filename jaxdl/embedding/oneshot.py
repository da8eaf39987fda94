"""N-way one-shot classification with a learned embedding (notes 4.12).

One-shot learning: recognise a class from a single example. An episode draws
N classes never used in training, one "support" image per class and one
"query" image per class; each query is assigned to the support image nearest
in embedding space. Accuracy is the fraction of queries assigned to their own
class; chance is 1/N. The same episodes scored with another embedding (an
untrained network, raw pixels) give the baselines beside it.
"""

import numpy as np


def sample_episodes(
    labels: np.ndarray, n_way: int, n_episodes: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
  """Draws N-way one-shot episodes.

  Args:
    labels: [n] int class of each example (only classes with >= 2 examples
      are eligible, since a query must differ from its support).
    n_way: classes per episode (>= 2).
    n_episodes: number of episodes (>= 1).
    seed: numpy seed; the same seed gives the same episodes, so several
      embeddings can be compared on identical episodes.

  Returns:
    (support [n_episodes, n_way], query [n_episodes, n_way]) example indices;
    support[e, k] and query[e, k] are distinct examples of the same class,
    and the n_way classes of an episode are distinct.
  """
  labels = np.asarray(labels)
  classes, counts = np.unique(labels, return_counts=True)
  eligible = classes[counts >= 2]
  if n_way < 2:
    raise ValueError(f'n_way must be >= 2, got {n_way}')
  if n_way > len(eligible):
    raise ValueError(f'n_way={n_way} exceeds the {len(eligible)} classes with >= 2 examples')
  if n_episodes < 1:
    raise ValueError(f'n_episodes must be >= 1, got {n_episodes}')
  rng = np.random.default_rng(seed)
  members = {c: np.flatnonzero(labels == c) for c in eligible}
  support = np.empty((n_episodes, n_way), np.int64)
  query = np.empty((n_episodes, n_way), np.int64)
  for e in range(n_episodes):
    for k, c in enumerate(rng.choice(eligible, size=n_way, replace=False)):
      support[e, k], query[e, k] = rng.choice(members[c], size=2, replace=False)
  return support, query


def one_shot_accuracy(
    embeddings: np.ndarray, support: np.ndarray, query: np.ndarray
) -> tuple[float, float]:
  """Nearest-support accuracy over episodes.

  Args:
    embeddings: [n, dim] embeddings of all examples.
    support: [episodes, n_way] indices, one per class.
    query: [episodes, n_way] indices; query[e, k] belongs to support[e, k]'s class.

  Returns:
    (accuracy, standard error) over the episodes * n_way queries.
  """
  if support.shape != query.shape or support.ndim != 2:
    raise ValueError(
        f'support and query must be equal [episodes, n_way] arrays, '
        f'got {support.shape} and {query.shape}'
    )
  emb = np.asarray(embeddings, np.float64)
  s, q = emb[support], emb[query]  # [E, N, dim]
  d = np.sum(np.square(q[:, :, None, :] - s[:, None, :, :]), axis=-1)  # [E, query, support]
  correct = np.argmin(d, axis=-1) == np.arange(support.shape[1])[None, :]
  acc = float(np.mean(correct))
  return acc, float(np.sqrt(acc * (1 - acc) / correct.size))
