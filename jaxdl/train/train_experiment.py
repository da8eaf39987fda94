"""The experiment behind launch/train.py: the core loop on one config (notes 2-3).

A classifier trained and evaluated by ``jaxdl.train.loop.train_and_evaluate``;
this module only gives it the experiment shape of ``jaxdl.cli.experiment_main``
(``run`` and ``report``), so launch/train.py follows the same naming rule as
every other launcher.
"""

from __future__ import annotations

from jaxdl.train.loop import RunResult, train_and_evaluate


def run(config, workdir: str) -> RunResult:
  """Trains and evaluates config's model on config's data; see train_and_evaluate."""
  return train_and_evaluate(config, workdir)


def report(result: RunResult, workdir: str) -> str:
  """What launch/train.py prints: the final metrics table and where the files are."""
  return f'{result.table}\ncurves, TensorBoard events and checkpoints in {workdir}'
