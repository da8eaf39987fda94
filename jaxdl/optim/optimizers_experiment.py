"""The optimizers experiment (notes 2.4-2.9).

1. Digits: one MLP, one data set, one step budget; full-batch gradient
   descent, mini-batch SGD, momentum, RMSprop, Adam and Adam with
   learning-rate decay. The training loss on the whole train set is
   recorded after every step (the notes' 2.5 / 2.8 "cost vs iterations"
   figures), with the steps needed to reach a target loss.
2. The same optimizers on 2-D surfaces (``surfaces.py``) drawn over
   contour plots: the elongated bowl (2.5) and the saddle with a plateau
   (2.9).
3. The exponentially weighted average of a noisy series with beta 0.5, 0.9,
   0.98, with and without bias correction (2.4), and the 2.8 schedules.

Each digits run is one ``jax.lax.scan`` over its steps (one compile per
optimizer); the batch order is the same for all optimizers.
"""

from __future__ import annotations

import dataclasses
import os

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdl import experiment_checks as checks
from jaxdl.data.registry import load_dataset
from jaxdl.models.mlp import MLP
from jaxdl.optim import ewa as ewa_lib
from jaxdl.optim import notes_optimizers
from jaxdl.optim import schedules
from jaxdl.optim import surfaces
from jaxdl.train.config_check import require, require_choice, require_int, require_range
from jaxdl.viz.summaries import SummaryWriter


def check_run(rc, prefix):
  """One run of config.optimizers.runs / surfaces.runs (see launch/configs/optimizers.py)."""
  require_choice(f"{prefix}.optimizer", rc.optimizer, notes_optimizers.NOTES_OPTIMIZERS)
  require_range(f"{prefix}.learning_rate", rc.learning_rate, 0, low_open=True)
  require_int(f"{prefix}.batch_size", rc.batch_size)
  require_choice(f"{prefix}.schedule", rc.get("schedule", "constant"), schedules.SCHEDULES)
  require_range(f"{prefix}.decay_rate", rc.get("decay_rate", 1.0), 0)
  for beta in ("beta1", "beta2"):
    require_range(f"{prefix}.{beta}", rc.get(beta, 0.9), 0, 1, high_open=True)


def check_config(config):
  """Every field of launch/configs/optimizers.py; raises ConfigError before any data."""
  checks.check_data_fields(config)
  oc = config.optimizers
  checks.require_sizes("optimizers.hidden", oc.hidden, allow_empty=True)
  require_int("optimizers.num_steps", oc.num_steps, 1)
  require_range("optimizers.target_loss", oc.target_loss, 0, low_open=True)
  for name in oc.runs:
    check_run(oc.runs[name], f"optimizers.runs.{name}")
  checks.require_names("optimizers.order", oc.order, tuple(oc.runs))
  sc = oc.surfaces
  require_int("optimizers.surfaces.num_steps", sc.num_steps, 1)
  require_range("optimizers.surfaces.tolerance", sc.tolerance, 0, low_open=True)
  for start in ("bowl_start", "saddle_start"):
    point = tuple(sc[start])
    require(
        len(point) == 2 and all(isinstance(v, (int, float)) for v in point),
        f"optimizers.surfaces.{start}",
        point,
        "must be an (x, y) point",
    )
  for name in sc.runs:
    check_run(sc.runs[name], f"optimizers.surfaces.runs.{name}")
  checks.require_names("optimizers.surfaces.order", sc.order, tuple(sc.runs))


def build_optimizer(run_cfg, steps_per_epoch):
  """optax chain for one run config (name, learning_rate, schedule, ...)."""
  if run_cfg.get("schedule", "constant") == "constant":
    lr = run_cfg.learning_rate
  else:
    lr = schedules.make_notes_schedule(
        run_cfg.schedule,
        run_cfg.learning_rate,
        steps_per_epoch,
        decay_rate=run_cfg.get("decay_rate", 1.0),
    )
  return notes_optimizers.make_notes_optimizer(
      run_cfg.optimizer, lr, beta1=run_cfg.get("beta1", 0.9), beta2=run_cfg.get("beta2", 0.999)
  )


def _flat(split):
  x = split["image"].reshape(len(split["label"]), -1).astype(np.float32)
  return x, split["label"].astype(np.int32)


def batch_schedule(num_examples, batch_size, num_steps, seed):
  """[num_steps, batch_size] example indices, reshuffled each epoch."""
  if batch_size > num_examples:
    raise ValueError(f"batch_size {batch_size} > {num_examples} examples.")
  per_epoch = num_examples // batch_size
  rng = np.random.default_rng(seed)
  rows = []
  while len(rows) < num_steps:
    order = rng.permutation(num_examples)
    rows.extend(order[i * batch_size : (i + 1) * batch_size] for i in range(per_epoch))
  return np.stack(rows[:num_steps])


def train_curve(model, tx, x, y, batch_idx, seed):
  """Trains with one scan; returns (full-train loss [steps + 1], params)."""
  params = model.init(jax.random.key(seed), x[:1])["params"]

  def full_loss(p):
    logits = model.apply({"params": p}, x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

  def step(carry, idx):
    p, state = carry
    grads = jax.grad(
        lambda q: optax.softmax_cross_entropy_with_integer_labels(
            model.apply({"params": q}, x[idx]), y[idx]
        ).mean()
    )(p)
    updates, state = tx.update(grads, state, p)
    p = optax.apply_updates(p, updates)
    return (p, state), full_loss(p)

  @jax.jit
  def run(params, batch_idx):
    start = full_loss(params)
    (params, _), losses = jax.lax.scan(step, (params, tx.init(params)), batch_idx)
    return jnp.concatenate([start[None], losses]), params

  losses, params = run(params, jnp.asarray(batch_idx))
  return np.asarray(losses), params


def error_rate(model, params, x, y):
  logits = model.apply({"params": params}, x)
  return float(np.mean(np.argmax(np.asarray(logits), -1) != y))


@dataclasses.dataclass
class OptimizersResult:
  """curves: run -> [steps + 1] train loss; table / surface_table: Markdown."""

  curves: dict
  final: dict  # run -> {'loss', 'dev_error', 'steps_to_target'}
  surface_steps: dict  # surface -> run -> steps to target (None = never)
  table: str
  surface_table: str


def _steps(values, target):
  s = surfaces.steps_to_reach(values, target)
  return "never" if s is None else str(s)


def run_digits(config):
  """Part 1: every run of config.optimizers.runs on the digits."""
  oc = config.optimizers
  dataset = load_dataset(config.dataset, seed=config.seed, fractions=tuple(config.data.fractions))
  x, y = _flat(dataset.splits["train"])
  xd, yd = _flat(dataset.splits["dev"])
  mean, std = x.mean(0), x.std(0) + 1e-3  # notes 2.3.4, fitted on train
  x, xd = (x - mean) / std, (xd - mean) / std
  model = MLP(num_classes=dataset.info.num_classes, hidden=tuple(oc.hidden))
  curves, final = {}, {}
  for name in oc.order:
    rc = oc.runs[name]
    require(
        rc.batch_size <= len(y),
        f"optimizers.runs.{name}.batch_size",
        rc.batch_size,
        f"must be <= the {len(y)} training examples (<= 0: full batch)",
    )
  for name in oc.order:
    rc = oc.runs[name]
    bs = len(y) if rc.batch_size <= 0 else rc.batch_size  # <= 0: full batch
    spe = max(len(y) // bs, 1)
    idx = batch_schedule(len(y), bs, oc.num_steps, config.seed)
    losses, params = train_curve(
        model, build_optimizer(rc, spe), jnp.asarray(x), jnp.asarray(y), idx, config.seed
    )
    curves[name] = losses
    steps_needed = surfaces.steps_to_reach(losses, oc.target_loss)
    final[name] = {
        "loss": float(losses[-1]),
        "epochs_to_target": (None if steps_needed is None else steps_needed * bs / len(y)),
        "dev_error": error_rate(model, params, xd, yd),
        "steps_to_target": surfaces.steps_to_reach(losses, oc.target_loss),
    }
  return curves, final


def run_surfaces(config):
  """Part 2: trajectories of config.optimizers.surface_runs on each surface."""
  sc = config.optimizers.surfaces
  paths, steps = {}, {}
  for surface, start in (("elongated_bowl", sc.bowl_start), ("saddle_plateau", sc.saddle_start)):
    fn, minimum = surfaces.SURFACES[surface]
    paths[surface], steps[surface] = {}, {}
    for name in sc.order:
      rc = sc.runs[name]
      tx = notes_optimizers.make_notes_optimizer(
          rc.optimizer, rc.learning_rate, beta1=rc.get("beta1", 0.9), beta2=rc.get("beta2", 0.999)
      )
      pts, vals = surfaces.trajectory(fn, tx, start, sc.num_steps)
      paths[surface][name] = pts
      steps[surface][name] = surfaces.steps_to_reach(vals, minimum + sc.tolerance)
  return paths, steps


WINDOWS = {
    "elongated_bowl": ((-5.0, -2.0), (5.0, 2.0)),  # (x, y) lo, hi
    "saddle_plateau": ((-2.5, -1.6), (2.5, 1.6)),
}


def plot_loss_curves(curves, path, target):
  import matplotlib

  matplotlib.use("Agg")
  import matplotlib.pyplot as plt

  fig, ax = plt.subplots(figsize=(7, 4.5))
  for name, losses in curves.items():
    ax.plot(np.arange(len(losses)), losses, label=name, lw=1.2)
  ax.axhline(target, color="gray", ls=":", label=f"target {target}")
  ax.set_yscale("log")
  ax.set_xlabel("step")
  ax.set_ylabel("training loss (whole train set)")
  ax.set_title("same MLP, data and step budget (notes 2.5-2.8)")
  ax.grid(alpha=0.3)
  ax.legend(fontsize=8)
  fig.tight_layout()
  fig.savefig(path, dpi=110)
  plt.close(fig)


def plot_surfaces(paths, path):
  import matplotlib

  matplotlib.use("Agg")
  import matplotlib.pyplot as plt

  fig, axes = plt.subplots(1, 2, figsize=(12, 5))
  titles = {
      "elongated_bowl": "elongated bowl (2.5): oscillation vs momentum",
      "saddle_plateau": "saddle + plateau (2.9): slow, not stuck",
  }
  for ax, (surface, runs) in zip(axes, paths.items()):
    fn = surfaces.SURFACES[surface][0]
    # Fixed windows: a diverging run must not stretch the axes.
    lo, hi = np.array(WINDOWS[surface][0]), np.array(WINDOWS[surface][1])
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    gz = np.asarray(jax.vmap(jax.vmap(fn))(jnp.stack([gx, gy], -1)))
    ax.contour(gx, gy, gz, levels=30, cmap="viridis", linewidths=0.6)
    for name, pts in runs.items():
      # Cut a diverging run one point after it leaves the window.
      out = np.flatnonzero(~np.all((pts >= lo) & (pts <= hi), axis=1))
      shown = pts[: out[0] + 1] if out.size else pts
      ax.plot(
          shown[:, 0],
          shown[:, 1],
          ".-",
          ms=2,
          lw=1,
          label=name + (" (diverges)" if out.size and not np.isfinite(pts[-1]).all() else ""),
      )
    ax.plot(*runs[next(iter(runs))][0], "k*", ms=10)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_title(titles[surface], fontsize=10)
    ax.legend(fontsize=8)
  fig.tight_layout()
  fig.savefig(path, dpi=110)
  plt.close(fig)


def plot_ewa(path, seed=0, length=200):
  """Noisy series with its EWAs at beta 0.5, 0.9, 0.98 (+/- bias correction)."""
  import matplotlib

  matplotlib.use("Agg")
  import matplotlib.pyplot as plt

  t = np.arange(length)
  rng = np.random.default_rng(seed)
  series = 10 + 8 * np.sin(2 * np.pi * t / length) + rng.normal(0, 3, length)
  fig, ax = plt.subplots(figsize=(7, 4.5))
  ax.plot(t, series, ".", ms=3, color="gray", label="theta_t")
  for beta, color in ((0.5, "tab:orange"), (0.9, "tab:red"), (0.98, "tab:green")):
    ax.plot(
        t,
        ewa_lib.ewa(series, beta),
        color=color,
        label=f"beta={beta} (~{ewa_lib.effective_window(beta):.0f} values)",
    )
    ax.plot(
        t,
        ewa_lib.ewa(series, beta, bias_correction=False),
        color=color,
        ls="--",
        lw=0.8,
        label=f"beta={beta}, no bias correction",
    )
  ax.set_xlabel("t")
  ax.set_title("exponentially weighted averages (notes 2.4)")
  ax.legend(fontsize=7)
  fig.tight_layout()
  fig.savefig(path, dpi=110)
  plt.close(fig)


def plot_schedules(path, alpha0=0.2, steps_per_epoch=10, epochs=30):
  """The 2.8 decays against the epoch."""
  import matplotlib

  matplotlib.use("Agg")
  import matplotlib.pyplot as plt

  steps = np.arange(epochs * steps_per_epoch)
  fig, ax = plt.subplots(figsize=(6, 4))
  for name in schedules.SCHEDULES:
    fn = schedules.make_notes_schedule(
        name, alpha0, steps_per_epoch, decay_rate=1.0, drop=0.5, epochs_per_drop=10
    )
    ax.plot(steps / steps_per_epoch, np.asarray(fn(steps)) * np.ones_like(steps), label=name)
  ax.set_xlabel("epoch")
  ax.set_ylabel("learning rate")
  ax.set_title("learning-rate decay (notes 2.8)")
  ax.legend(fontsize=8)
  fig.tight_layout()
  fig.savefig(path, dpi=110)
  plt.close(fig)


def run(config, workdir):
  """All parts; writes optimizers.md, loss_curves.png, surfaces.png, ewa.png,
  schedules.png and TensorBoard scalars into workdir."""
  check_config(config)
  os.makedirs(workdir, exist_ok=True)
  oc = config.optimizers
  curves, final = run_digits(config)
  paths, surface_steps = run_surfaces(config)
  lines = [
      f"| run | final train loss | dev error | steps to loss " f"{oc.target_loss} | epochs to it |",
      "|---|---:|---:|---:|---:|",
  ]
  for name, f in final.items():
    epochs = f["epochs_to_target"]
    lines.append(
        f"| {name} | {f['loss']:.4f} | {100 * f['dev_error']:.2f}% |"
        f" {_steps(curves[name], oc.target_loss)} | "
        f"{'never' if epochs is None else f'{epochs:.1f}'} |"
    )
  table = "\n".join(lines)
  runs = list(oc.surfaces.order)
  slines = ["| surface | " + " | ".join(runs) + " |", "|---|" + "---:|" * len(runs)]
  for surface, by_run in surface_steps.items():
    slines.append(
        f"| {surface} | "
        + " | ".join("never" if by_run[r] is None else str(by_run[r]) for r in runs)
        + " |"
    )
  surface_table = "\n".join(slines)
  with open(os.path.join(workdir, "optimizers.md"), "w") as f:
    f.write(
        table + "\n\nsteps to within "
        f"{oc.surfaces.tolerance} of the minimum on the 2-D surfaces:\n\n" + surface_table + "\n"
    )
  writer = SummaryWriter(workdir)
  for name, losses in curves.items():
    for s in range(0, len(losses), max(1, len(losses) // 200)):
      writer.scalars(s, {f"train_loss/{name}": float(losses[s])})
  writer.close()
  plot_loss_curves(curves, os.path.join(workdir, "loss_curves.png"), oc.target_loss)
  plot_surfaces(paths, os.path.join(workdir, "surfaces.png"))
  plot_ewa(os.path.join(workdir, "ewa.png"), seed=config.seed)
  plot_schedules(os.path.join(workdir, "schedules.png"))
  return OptimizersResult(
      curves=curves,
      final=final,
      surface_steps=surface_steps,
      table=table,
      surface_table=surface_table,
  )


def report(result: OptimizersResult, workdir: str) -> str:
  """What launch/optimizers.py prints: both tables and the files."""
  return "\n".join(
      [
          result.table,
          "\nsteps to the minimum on the 2-D surfaces:",
          result.surface_table,
          f"loss_curves.png, surfaces.png, ewa.png, schedules.png in {workdir}",
      ]
  )
