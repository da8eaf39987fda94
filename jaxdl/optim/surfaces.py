"""2-D loss surfaces for watching optimizers move (notes 2.5, 2.9).

* ``elongated_bowl``: f = (x^2 + kappa y^2) / 2 with kappa >> 1 - the 2.5
  picture: a learning rate big enough to make progress along x makes plain
  gradient descent oscillate across the narrow y direction; momentum averages
  the oscillation out.
* ``saddle_plateau``: f = x^2 / 2 - y^2 / 2 + y^4 / 4 - the 2.9 picture:
  the origin is a saddle (minimum along x, maximum along y), the minima at
  y = +-1 are equally good, and a start close to y = 0 sits on a plateau
  where the gradient along y is tiny, so learning is slow, not stuck.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax


def elongated_bowl(p, kappa=25.0):
  """f(x, y) = (x^2 + kappa y^2) / 2; minimum 0 at the origin."""
  return 0.5 * (p[0] ** 2 + kappa * p[1] ** 2)


def saddle_plateau(p):
  """f(x, y) = x^2/2 - y^2/2 + y^4/4; saddle at 0, minima -1/4 at (0, +-1)."""
  return 0.5 * p[0] ** 2 - 0.5 * p[1] ** 2 + 0.25 * p[1] ** 4


SURFACES = {
    "elongated_bowl": (elongated_bowl, 0.0),  # (function, minimum value)
    "saddle_plateau": (saddle_plateau, -0.25),
}


def trajectory(fn, tx, start, num_steps):
  """Runs an optax optimizer on a 2-D function.

  Args:
    fn: [2] -> scalar.
    tx: optax.GradientTransformation.
    start: (x, y) starting point.
    num_steps: number of updates.

  Returns:
    (points [num_steps + 1, 2], values [num_steps + 1]) as numpy.
  """
  p0 = jnp.asarray(start, jnp.float32)
  if p0.shape != (2,):
    raise ValueError(f"start must be (x, y), got shape {p0.shape}.")

  def step(carry, _):
    p, state = carry
    updates, state = tx.update(jax.grad(fn)(p), state, p)
    p = optax.apply_updates(p, updates)
    return (p, state), p

  _, points = jax.lax.scan(step, (p0, tx.init(p0)), None, length=num_steps)
  points = jnp.concatenate([p0[None], points])
  return np.asarray(points), np.asarray(jax.vmap(fn)(points))


def steps_to_reach(values, target):
  """First step index whose value is <= target, or None if never reached."""
  hits = np.flatnonzero(np.asarray(values) <= target)
  return int(hits[0]) if hits.size else None
