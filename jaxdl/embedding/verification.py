"""Face verification from embeddings: a dev-chosen distance threshold, and
logistic regression on |f(x1) - f(x2)| (notes 4.13).

Verification answers "same identity or not?" for a pair (x1, x2):
  (a) predict "same" when the squared distance |f(x1) - f(x2)|^2 <= tau, with
      tau chosen to maximise accuracy on dev pairs (notes 3.4: choose on dev,
      report on test);
  (b) the notes' binary classifier: logistic regression whose features are the
      element-wise absolute differences |f(x1)_k - f(x2)_k|, fitted on pairs.
Both are reported as accuracy and ROC AUC (threshold-free ranking quality).

Everything here runs on the host except the logistic-regression fit, which is
a jitted Newton (IRLS) solve: with 128 features the Hessian is tiny, and
Newton converges to the exact optimum in a few steps, so the result can be
checked against scikit-learn.
"""

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


def _check_pair_embeddings(emb1, emb2) -> tuple[np.ndarray, np.ndarray]:
  emb1, emb2 = np.asarray(emb1, np.float64), np.asarray(emb2, np.float64)
  if emb1.shape != emb2.shape:
    raise ValueError(f'emb1 and emb2 must have the same shape, got {emb1.shape} and {emb2.shape}')
  if emb1.ndim != 2:
    raise ValueError(f'emb1 and emb2 must be [n, dim] pair embeddings, got shape {emb1.shape}')
  return emb1, emb2


def _check_finite_vector(name: str, values) -> np.ndarray:
  """[n] float64 values, or ValueError naming the argument (shape, NaN/inf)."""
  values = np.asarray(values, np.float64)
  if values.ndim != 1:
    raise ValueError(f'{name} must be a 1-D [n] array, got shape {values.shape}')
  bad = ~np.isfinite(values)
  if bad.any():
    raise ValueError(
        f'{name} must be finite, got {int(bad.sum())} NaN/inf value(s), '
        f'first at index {int(np.flatnonzero(bad)[0])}: '
        f'{values[np.flatnonzero(bad)[0]]}'
    )
  return values


def pair_sq_distances(emb1: np.ndarray, emb2: np.ndarray) -> np.ndarray:
  """[n] squared Euclidean distances between rows of two [n, dim] arrays."""
  emb1, emb2 = _check_pair_embeddings(emb1, emb2)
  return np.sum(np.square(emb1 - emb2), axis=-1)


def _check_binary(same: np.ndarray, n: int) -> np.ndarray:
  same = np.asarray(same)
  if same.shape != (n,):
    raise ValueError(f'same must have shape ({n},), got {same.shape}')
  if not np.all(np.isin(same, (0, 1))):
    raise ValueError('same must hold only 0/1 or booleans')
  return same.astype(bool)


def threshold_accuracy(distances: np.ndarray, same: np.ndarray, threshold: float) -> float:
  """Accuracy of predicting "same" iff distance <= threshold.

  Args:
    distances: [n] finite pair distances, n >= 1.
    same: [n] bool, True where the pair shares an identity.
    threshold: decision threshold, in the distances' units (not NaN; +-inf
      call every pair "same" / "different").

  Returns:
    Fraction of pairs classified correctly.
  """
  distances = _check_finite_vector('distances', distances)
  if distances.size == 0:
    raise ValueError('distances must be non-empty (accuracy of 0 pairs is undefined)')
  if np.isnan(threshold):
    raise ValueError(f'threshold must be a number, got {threshold}')
  same = _check_binary(same, len(distances))
  return float(np.mean((distances <= threshold) == same))


def choose_threshold(distances: np.ndarray, same: np.ndarray) -> float:
  """Threshold maximising accuracy of `distance <= threshold` (fit on dev pairs).

  Every distinct accuracy is reached at some cut between consecutive sorted
  distances, so the search is exact: candidates are the midpoints, plus one
  below the smallest distance (predict all "different").

  Args:
    distances: [n] finite pair distances, n >= 1.
    same: [n] bool labels.

  Returns:
    The best threshold (ties go to the smallest one).
  """
  d = _check_finite_vector('distances', distances)
  same = _check_binary(same, len(d))
  if d.size == 0:
    raise ValueError('distances must be non-empty')
  order = np.argsort(d, kind='stable')
  d, s = d[order], same[order]
  # correct(k) when the first k sorted pairs are called "same":
  #   (same among the first k) + (different among the rest).
  same_cum = np.concatenate([[0], np.cumsum(s)])
  diff_total = np.sum(~s)
  diff_cum = np.concatenate([[0], np.cumsum(~s)])
  correct = same_cum + (diff_total - diff_cum)
  # A cut is only realisable between distinct distances.
  k_ok = np.concatenate([[True], d[1:] > d[:-1], [True]])
  correct = np.where(k_ok, correct, -1)
  k = int(np.argmax(correct))
  if k == 0:
    return float(d[0] - 1.0)
  if k == len(d):
    return float(d[-1])
  return float(0.5 * (d[k - 1] + d[k]))


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
  """Area under the ROC curve, = P(score of a positive > score of a negative).

  Computed with the Mann-Whitney rank formula; ties count one half.

  Args:
    scores: [n] finite; higher means more likely positive (use -distance for
      pairs). NaN/inf are rejected: a NaN would sort to one end and give a
      number that means nothing.
    labels: [n] bool, both classes present.

  Returns:
    AUC in [0, 1].
  """
  scores = _check_finite_vector('scores', scores)
  labels = _check_binary(labels, len(scores))
  n_pos, n_neg = int(labels.sum()), int((~labels).sum())
  if n_pos == 0 or n_neg == 0:
    raise ValueError('labels must contain both classes for ROC AUC')
  order = np.argsort(scores, kind='mergesort')
  sorted_scores = scores[order]
  ranks = np.empty(len(scores))
  # Average ranks (1-based) over runs of tied scores.
  start = 0
  boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
  for end in list(boundaries) + [len(scores)]:
    ranks[order[start:end]] = 0.5 * (start + 1 + end)
    start = end
  return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


class LogisticRegression(NamedTuple):
  """Fitted p(same | x) = sigmoid(x . w + b)."""

  w: np.ndarray  # [dim] weights
  b: float  # intercept


def abs_diff_features(emb1: np.ndarray, emb2: np.ndarray) -> np.ndarray:
  """The notes' features for a pair: |f(x1) - f(x2)| element-wise, [n, dim]."""
  emb1, emb2 = _check_pair_embeddings(emb1, emb2)
  return np.abs(emb1 - emb2)


@functools.partial(jax.jit, static_argnames=('steps',))
def _newton_logreg(x, y, l2, steps):
  """Minimises mean log-loss + l2/2 |w|^2 (intercept unpenalised) by Newton steps."""
  n, d = x.shape
  xb = jnp.concatenate([x, jnp.ones((n, 1), x.dtype)], axis=1)
  reg = jnp.concatenate([jnp.full((d,), l2, x.dtype), jnp.zeros((1,), x.dtype)])

  def step(theta, _):
    p = jax.nn.sigmoid(xb @ theta)
    grad = xb.T @ (p - y) / n + reg * theta
    hess = (xb.T * (p * (1 - p))) @ xb / n + jnp.diag(reg)
    # A tiny ridge keeps the solve defined when the data are separable and l2=0.
    theta = theta - jnp.linalg.solve(hess + 1e-10 * jnp.eye(d + 1, dtype=x.dtype), grad)
    return theta, None

  theta, _ = jax.lax.scan(step, jnp.zeros((d + 1,), x.dtype), None, length=steps)
  return theta


def fit_logistic_regression(
    features: np.ndarray, targets: np.ndarray, l2: float = 1e-3, steps: int = 25
) -> LogisticRegression:
  """Fits L2-regularised logistic regression exactly (Newton / IRLS).

  Objective: mean_i log-loss(sigmoid(x_i . w + b), y_i) + l2/2 * |w|^2.
  This is scikit-learn's LogisticRegression with C = 1 / (l2 * n).

  Args:
    features: [n, dim] finite float, n >= 1.
    targets: [n] bool / 0-1.
    l2: L2 strength on w, >= 0 (> 0 keeps separable data from diverging).
    steps: Newton iterations, a positive int (25 is ample: convergence is
      quadratic).

  Returns:
    LogisticRegression(w [dim], b).
  """
  if not l2 >= 0:  # NaN fails too
    raise ValueError(f'l2 must be >= 0, got {l2}')
  if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 1:
    raise ValueError(f'steps must be a positive int, got {steps!r}')
  features = np.asarray(features, np.float64)
  if features.ndim != 2 or features.shape[0] == 0:
    raise ValueError(f'features must be [n, dim] with n >= 1, got shape {features.shape}')
  if not np.all(np.isfinite(features)):
    raise ValueError(
        f'features must be finite, got {int((~np.isfinite(features)).sum())} ' 'NaN/inf value(s)'
    )
  x = jnp.asarray(features, jnp.float32)
  y = jnp.asarray(_check_binary(targets, x.shape[0]), jnp.float32)
  theta = np.asarray(_newton_logreg(x, y, jnp.float32(l2), steps), np.float64)
  return LogisticRegression(w=theta[:-1], b=float(theta[-1]))


def predict_proba(model: LogisticRegression, features: np.ndarray) -> np.ndarray:
  """[n] probabilities that each pair is the same identity, from [n, dim] features."""
  features = np.asarray(features, np.float64)
  if features.ndim != 2 or features.shape[1] != len(model.w):
    raise ValueError(
        f'features must be [n, dim={len(model.w)}] (the fitted dim), ' f'got shape {features.shape}'
    )
  z = features @ model.w + model.b
  return 1.0 / (1.0 + np.exp(-z))


def verification_report(
    dev_pairs, test_pairs, logreg_pairs=None, l2: float = 1e-3
) -> dict[str, float]:
  """Both verifiers of notes 4.13, fitted on dev pairs and scored on test pairs.

  Args:
    dev_pairs: (emb1 [n, dim], emb2 [n, dim], same [n] bool) of identities
      seen in training but images that were not; the threshold is chosen here.
    test_pairs: same layout, pairs of identities never seen in training.
    logreg_pairs: pairs the logistic regression is fitted on; dev_pairs when
      None (training-image pairs have over-tight distances, so dev is the
      honest choice).
    l2: logistic-regression L2 strength.

  Returns:
    dict with 'threshold', 'dev_threshold_acc' and the test metrics
    'threshold_acc', 'distance_auc', 'logreg_acc', 'logreg_auc'.
  """
  logreg_pairs = dev_pairs if logreg_pairs is None else logreg_pairs
  dev_d = pair_sq_distances(dev_pairs[0], dev_pairs[1])
  tau = choose_threshold(dev_d, dev_pairs[2])
  test_d = pair_sq_distances(test_pairs[0], test_pairs[1])
  lr = fit_logistic_regression(
      abs_diff_features(logreg_pairs[0], logreg_pairs[1]), logreg_pairs[2], l2=l2
  )
  p = predict_proba(lr, abs_diff_features(test_pairs[0], test_pairs[1]))
  test_same = _check_binary(test_pairs[2], len(test_d))
  return {
      'threshold': tau,
      'dev_threshold_acc': threshold_accuracy(dev_d, dev_pairs[2], tau),
      'threshold_acc': threshold_accuracy(test_d, test_same, tau),
      'distance_auc': roc_auc(-test_d, test_same),
      'logreg_acc': float(np.mean((p >= 0.5) == test_same)),
      'logreg_auc': roc_auc(p, test_same),
  }
