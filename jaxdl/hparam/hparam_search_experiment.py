"""The hyper-parameter search experiment (notes 2.10-2.11).

Adam on an MLP for the digits has two hyper-parameters here: the learning
rate, which matters a great deal, and epsilon, which barely matters. At the
same budget of K trials a grid tries only sqrt(K) learning rates, random
search K of them (the notes' 2.10 argument); coarse-to-fine then searches
again inside the region of the best random trials. Every set of K trials is
trained at once (``vectorized.train_trials``: one jitted, vmapped step).

Both searches are repeated over ``random_repeats`` seeds so that each gives a
distribution of best dev losses, not one number: random search draws new
points per seed, the grid is shifted by a random offset within one cell per
seed (same 4x4 shape, different values). Training itself (initialisation and
batches) is the same for every trial, so seeds differ only in the points
tried. All seeds' grid and random trials train in one vmapped call.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import optax

from jaxdl import experiment_checks as checks
from jaxdl.data.registry import load_dataset
from jaxdl.hparam import search
from jaxdl.hparam import spaces
from jaxdl.hparam import vectorized
from jaxdl.models.mlp import MLP
from jaxdl.train.config_check import require, require_choice, require_int, require_range
from jaxdl.viz.summaries import SummaryWriter

OPTIMIZERS = {"adam": optax.adam, "sgd": optax.sgd, "rmsprop": optax.rmsprop}
SPACES = {
    "log_uniform": spaces.LogUniform,
    "uniform": spaces.Uniform,
    "one_minus_log_uniform": spaces.OneMinusLogUniform,
    "int_uniform": spaces.IntUniform,
}


def build_space(space_cfg):
  """config.hparam.space ((name, scale, low, high), ...) -> {name: space}."""
  out = {}
  for name, scale, low, high in space_cfg:
    if scale not in SPACES:
      raise ValueError(
          f"config.hparam.space.{name} scale {scale!r}; " f"accepted: {', '.join(SPACES)}"
      )
    out[name] = SPACES[scale](low, high)
  return out


def check_config(config) -> None:
  """Every field of launch/configs/hparam_search.py; raises ConfigError before any data."""
  checks.check_data_fields(config)
  hc = config.hparam
  require_choice("hparam.optimizer", hc.optimizer, OPTIMIZERS)
  checks.require_sizes("hparam.hidden", hc.hidden, allow_empty=True)
  require_int("hparam.num_steps", hc.num_steps, 1)
  require_int("hparam.batch_size", hc.batch_size, 1)
  require_int("hparam.num_trials", hc.num_trials, 1)
  entries = tuple(tuple(e) if isinstance(e, (tuple, list)) else e for e in hc.space)
  require(
      bool(entries) and all(isinstance(e, tuple) and len(e) == 4 for e in entries),
      "hparam.space",
      entries,
      "must be a non-empty sequence of " "(name, scale, low, high) entries",
  )
  names = [e[0] for e in entries]
  require(len(set(names)) == len(names), "hparam.space", entries, "must not repeat a name")
  allowed = vectorized.optimizer_arg_names(OPTIMIZERS[hc.optimizer]) | {"l2"}
  require("learning_rate" in names, "hparam.space", entries, "must include 'learning_rate'")
  for name, scale, low, high in entries:
    require(
        name in allowed,
        f"hparam.space.{name}",
        (name, scale, low, high),
        f"must name an argument of optax.{hc.optimizer} or l2; accepted: "
        f'{", ".join(sorted(allowed))}',
    )
    require_choice(f"hparam.space.{name}", scale, SPACES)
    try:
      SPACES[scale](low, high)
    except (ValueError, TypeError) as e:
      require(False, f"hparam.space.{name}", (name, scale, low, high), str(e).rstrip("."))
  try:
    search.grid_search_points(build_space(entries), hc.num_trials)
  except ValueError as e:
    require(False, "hparam.num_trials", hc.num_trials, str(e).rstrip("."))
  require_int("hparam.random_repeats", hc.random_repeats, 0)
  require_int("hparam.c2f_rounds", hc.c2f_rounds, 1)
  require_range("hparam.c2f_keep_fraction", hc.c2f_keep_fraction, 0, 1, low_open=True)


def default_data_config(dataset="digits", seed=0, fractions=(0.6, 0.2, 0.2)):
  """The data fields ``digits_arrays`` reads, for callers without a config."""
  import ml_collections

  return ml_collections.ConfigDict(
      {"dataset": dataset, "seed": seed, "data": {"fractions": fractions}}
  )


def digits_arrays(config):
  """Flattened, train-normalised (notes 2.3.4) train and dev arrays."""
  ds = load_dataset(config.dataset, seed=config.seed, fractions=tuple(config.data.fractions))

  def flat(split):
    return (
        split["image"].reshape(len(split["label"]), -1).astype(np.float32),
        split["label"].astype(np.int32),
    )

  x, y = flat(ds.splits["train"])
  xd, yd = flat(ds.splits["dev"])
  mean, std = x.mean(0), x.std(0) + 1e-3
  return ({"x": (x - mean) / std, "y": y}, {"x": (xd - mean) / std, "y": yd}, ds.info.num_classes)


@dataclasses.dataclass
class SearchSummary:
  """One search method's trials and its best result."""

  name: str
  points: dict  # hparam name -> [n] values
  dev_loss: np.ndarray  # [n]
  dev_error: np.ndarray  # [n]
  seed: int


@dataclasses.dataclass
class MethodStats:
  """One search method's best dev loss across seeds."""

  name: str
  best: np.ndarray  # [seeds] best dev loss of each seed's trials
  median: float
  q25: float
  q75: float
  distinct_lr: list  # [seeds] distinct learning rates tried per seed


@dataclasses.dataclass
class HparamResult:
  summaries: list  # SearchSummary for each grid seed, each random seed, c2f rounds
  table: str
  trials_wall_s: float  # total wall time of all vectorised trainings
  stats: dict  # 'grid' / 'random' -> MethodStats (empty with 0 seeds)
  random_beats_grid: float  # share of seeds where random's best < the grid's; nan with 0


def shifted_grid_points(space, num_trials, seed):
  """``search.grid_search_points``' grid moved by a random offset per axis.

  Values sit at u = (i + o) / k on each scale, o ~ U[0, 1) drawn once per
  axis, so the grid keeps its k values per axis and its spacing but the
  values move within one cell (o = 0.5 is the centred grid).

  Returns:
    dict name -> [k^d] array of values.
  """
  centred = search.grid_search_points(space, num_trials)  # checks and sizes
  per_axis = round(len(next(iter(centred.values()))) ** (1.0 / len(space)))
  rng = np.random.default_rng(seed)
  axes = [(np.arange(per_axis) + rng.uniform()) / per_axis for _ in space]
  mesh = np.meshgrid(*axes, indexing="ij")
  return {name: dist.from_unit(u.ravel()) for (name, dist), u in zip(space.items(), mesh)}


def method_stats(name, summaries):
  """MethodStats of the summaries named ``name`` (one per seed)."""
  runs = [s for s in summaries if s.name == name]
  best = np.array([_best(s)[1] for s in runs])
  q25, median, q75 = np.percentile(best, [25, 50, 75])
  distinct = [len(np.unique(s.points["learning_rate"])) for s in runs]
  return MethodStats(name, best, float(median), float(q25), float(q75), distinct)


def run(config, workdir):
  """Grid vs random (several seeds) vs coarse-to-fine; table + scatter PNG."""
  check_config(config)
  os.makedirs(workdir, exist_ok=True)
  hc = config.hparam
  train, dev, num_classes = digits_arrays(config)
  require(
      hc.batch_size <= len(train["y"]),
      "hparam.batch_size",
      hc.batch_size,
      f"must be <= the {len(train['y'])} training examples of {config.dataset}",
  )
  model = MLP(num_classes=num_classes, hidden=tuple(hc.hidden))
  space = build_space(hc.space)
  factory = OPTIMIZERS[hc.optimizer]
  # One compiled trainer for every search: same model, optimizer, names, K.
  trials = vectorized.make_trials(
      model, train["x"][:1], factory, list(space), num_trials=hc.num_trials
  )
  wall = [0.0]
  results = []

  def train_points(points, trainer):
    result = vectorized.train_trials(
        model,
        train,
        dev,
        factory,
        points,
        num_steps=hc.num_steps,
        batch_size=hc.batch_size,
        seed=config.seed,
        trials=trainer,
    )
    wall[0] += result.wall_s
    return result

  def evaluate(points):
    results.append(train_points(points, trials))
    return np.where(np.isfinite(results[-1].dev_loss), results[-1].dev_loss, np.inf)

  summaries = []
  seeds = hc.random_repeats
  if seeds:
    # Every seed's grid and random trials in one vmap: [2 * seeds * K] trials.
    searches = [
        ("grid", s, shifted_grid_points(space, hc.num_trials, config.seed + 1000 + 100 * s))
        for s in range(seeds)
    ] + [
        ("random", s, search.random_search_points(space, hc.num_trials, config.seed + 100 * s))
        for s in range(seeds)
    ]
    sizes = [len(p["learning_rate"]) for _, _, p in searches]
    stacked = {n: np.concatenate([p[n] for _, _, p in searches]) for n in space}
    big = vectorized.make_trials(model, train["x"][:1], factory, list(space), num_trials=sum(sizes))
    r = train_points(stacked, big)
    bounds = np.cumsum([0] + sizes)
    for (name, s, points), lo, hi in zip(searches, bounds[:-1], bounds[1:]):
      summaries.append(SearchSummary(name, points, r.dev_loss[lo:hi], r.dev_error[lo:hi], s))
  history = search.coarse_to_fine(
      evaluate,
      space,
      rounds=hc.c2f_rounds,
      trials_per_round=hc.num_trials,
      keep_fraction=hc.c2f_keep_fraction,
      seed=config.seed + 7,
  )
  for i, (rnd, r) in enumerate(zip(history, results)):
    summaries.append(
        SearchSummary(f"coarse_to_fine_round{i + 1}", rnd.points, r.dev_loss, r.dev_error, i)
    )
  stats, share = {}, float("nan")
  if seeds:
    stats = {m: method_stats(m, summaries) for m in ("grid", "random")}
    share = float(np.mean(stats["random"].best < stats["grid"].best))  # paired by seed
  table = format_table(summaries, list(space), stats, share)
  with open(os.path.join(workdir, "hparam_search.md"), "w") as f:
    f.write(table + "\n")
  plot_search(summaries, list(space), os.path.join(workdir, "hparam_search.png"))
  writer = SummaryWriter(workdir)
  for s in summaries:  # one curve per search: dev loss of trial j at step j
    tag = f"{s.name}_seed{s.seed}" if s.name in ("grid", "random") else s.name
    for j, loss in enumerate(s.dev_loss):
      writer.scalars(j, {f"dev_loss/{tag}": float(loss)})
  writer.close()
  return HparamResult(
      summaries=summaries,
      table=table,
      trials_wall_s=wall[0],
      stats=stats,
      random_beats_grid=share,
  )


def _best(summary):
  i = int(np.nanargmin(np.where(np.isfinite(summary.dev_loss), summary.dev_loss, np.inf)))
  return i, float(summary.dev_loss[i]), float(summary.dev_error[i])


def format_table(summaries, names, stats, share):
  """Markdown: grid and random across seeds (median, 25-75 %), then coarse-to-fine."""
  first = names[0]
  lines = []
  if stats:
    seeds = len(stats["grid"].best)
    lines += [
        f"| search | seeds | trials per seed | distinct {first} per seed | "
        "best dev loss: median | 25-75 % |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in ("grid", "random"):
      st = stats[m]
      n = len(next(s for s in summaries if s.name == m).dev_loss)
      distinct = "/".join(str(d) for d in sorted(set(st.distinct_lr)))
      lines.append(
          f"| {m} | {seeds} | {n} | {distinct} | {st.median:.4f} | " f"{st.q25:.4f}-{st.q75:.4f} |"
      )
    lines += [
        f"\nrandom's best beats the grid's (same seed index) in "
        f"{100 * share:.0f}% of {seeds} seeds.\n"
    ]
  lines += [
      f"| search | trials | distinct {first} | best dev loss | its dev error | its {first} |",
      "|---|---:|---:|---:|---:|---:|",
  ]
  for s in summaries:
    if s.name in ("grid", "random"):
      continue
    i, loss, err = _best(s)
    lines.append(
        f"| {s.name} | {len(s.dev_loss)} | "
        f"{len(np.unique(s.points[first]))} | {loss:.4f} | "
        f"{100 * err:.2f}% | {s.points[first][i]:.3g} |"
    )
  return "\n".join(lines)


def plot_search(summaries, names, path):
  """Left: trials in the (hparam 1, hparam 2) plane coloured by dev loss.
  Right: dev loss against the first hparam - the grid's few columns.
  Grid and random show their seed 0."""
  import matplotlib

  matplotlib.use("Agg")
  import matplotlib.colors as mcolors
  import matplotlib.pyplot as plt

  fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
  styles = {
      "grid": ("s", "tab:blue"),
      "random": ("o", "tab:orange"),
      "coarse_to_fine_round1": ("^", "tab:green"),
      "coarse_to_fine_round2": ("v", "tab:red"),
  }
  # Seed 0 of each search only: more seeds would bury the grid's columns.
  summaries = [s for s in summaries if s.name not in ("grid", "random") or s.seed == 0]
  allloss = np.concatenate([s.dev_loss for s in summaries])
  finite = allloss[np.isfinite(allloss)]
  cap = float(finite.max()) if finite.size else 1.0
  norm = mcolors.LogNorm(vmin=max(float(finite.min()), 1e-6), vmax=cap)
  x_name = names[0]
  y_name = names[1] if len(names) > 1 else None
  labelled = set()
  sc = None
  for s in summaries:
    marker, color = styles.get(s.name, ("x", "k"))
    label = None if s.name in labelled else s.name
    labelled.add(s.name)
    loss = np.where(np.isfinite(s.dev_loss), s.dev_loss, cap)  # NaN: worst
    if y_name is not None:
      sc = axes[0].scatter(
          s.points[x_name],
          s.points[y_name],
          c=loss,
          marker=marker,
          cmap="viridis_r",
          norm=norm,
          edgecolors="k",
          linewidths=0.3,
          label=label,
      )
    axes[1].scatter(s.points[x_name], loss, marker=marker, s=18, color=color, label=label)
  if y_name is not None:
    axes[0].set_xscale("log")
    axes[0].set_yscale("log")
    axes[0].set_xlabel(x_name)
    axes[0].set_ylabel(y_name)
    axes[0].set_title("trials (colour: dev loss, log scale)")
    fig.colorbar(sc, ax=axes[0])
    axes[0].legend(fontsize=7)
  axes[1].set_xscale("log")
  axes[1].set_yscale("log")
  axes[1].set_xlabel(x_name)
  axes[1].set_ylabel("dev loss")
  axes[1].set_title(f"grid tries few {x_name} values; random many (2.10)")
  axes[1].legend(fontsize=7)
  fig.tight_layout()
  fig.savefig(path, dpi=110)
  plt.close(fig)


def report(result: HparamResult, workdir: str) -> str:
  """What launch/hparam_search.py prints: the table, the trials' time, the files."""
  return (
      f"{result.table}\nall trials trained in {result.trials_wall_s:.1f} s (vectorised); "
      f"hparam_search.md and hparam_search.png in {workdir}"
  )
