"""Wall time of K vectorised trials against one trial (notes 2.10 at scale).

Each measurement trains fresh trials with ``vectorized.train_trials`` on the
digits (compile included, since a researcher pays it for every search) and
also reports the steady-state time per step. The K trials use log-uniform
learning rates; one trial uses the first of them.
"""

from __future__ import annotations

import numpy as np
import optax

from jaxdl.hparam import spaces
from jaxdl.hparam import vectorized
from jaxdl.models.mlp import MLP
from jaxdl.train.config_check import require_flag


def check_flags(*, num_trials: int, num_steps: int, batch_size: int, repeats: int) -> None:
  """launch/bench_trials.py's flags; ConfigError naming the flag, before any data."""
  for flag, value in (
      ("num_trials", num_trials),
      ("num_steps", num_steps),
      ("batch_size", batch_size),
      ("repeats", repeats),
  ):
    require_flag(value >= 1, flag, value, "must be >= 1")


def benchmark_trials(
    train, dev, *, num_trials=32, num_steps=300, batch_size=64, hidden=(64,), repeats=2, seed=0
):
  """Times 1 trial and num_trials trials; best of ``repeats`` each.

  Args:
    train, dev: {'x': [N, D] float32, 'y': [N] int32} host arrays.
    num_trials: K.
    num_steps: training steps per trial.
    batch_size: examples per step.
    hidden: MLP hidden widths.
    repeats: runs per K; the fastest counts (the machine may be shared).
    seed: seed of learning rates, init and batches.

  Returns:
    dict K -> {'wall_s', 'step_s'} plus 'ratio_wall' and 'ratio_step'
    (K trials over one trial).
  """
  require_flag(
      batch_size <= len(train["y"]),
      "batch_size",
      batch_size,
      f"must be <= the {len(train['y'])} training examples",
  )
  model = MLP(num_classes=int(train["y"].max()) + 1, hidden=tuple(hidden))
  lrs = spaces.LogUniform(1e-4, 1e-1).from_unit(
      np.random.default_rng(seed).uniform(size=num_trials)
  )
  out = {}
  for k in (1, num_trials):
    runs = [
        vectorized.train_trials(
            model,
            train,
            dev,
            optax.adam,
            {"learning_rate": lrs[:k]},
            num_steps=num_steps,
            batch_size=batch_size,
            seed=seed,
        )
        for _ in range(repeats)
    ]
    out[k] = {"wall_s": min(r.wall_s for r in runs), "step_s": min(r.step_s for r in runs)}
  out["ratio_wall"] = out[num_trials]["wall_s"] / out[1]["wall_s"]
  out["ratio_step"] = out[num_trials]["step_s"] / out[1]["step_s"]
  return out


def format_benchmark(result, num_trials):
  """Markdown table of the benchmark."""
  lines = ["| trials | wall (compile + train + eval) | time per step |", "|---:|---:|---:|"]
  for k in (1, num_trials):
    lines.append(f"| {k} | {result[k]['wall_s']:.2f} s | " f"{1e3 * result[k]['step_s']:.2f} ms |")
  lines.append(
      f"| ratio {num_trials}/1 | {result['ratio_wall']:.2f}x | " f"{result['ratio_step']:.2f}x |"
  )
  return "\n".join(lines)
