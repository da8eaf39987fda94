"""End to end: every section-2 experiment's smoke config, and the benchmark."""

import os

import numpy as np
import pytest

from jaxdl.review.config_file import load_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _config(name, variant="smoke"):
  return load_config(
      os.path.join(ROOT, "launch", "configs", f"{name}.py") + (f":{variant}" if variant else "")
  )


def test_regularization_smoke(tmp_path):
  from jaxdl.regularization.regularization_experiment import run

  result = run(_config("regularization"), str(tmp_path))
  assert set(result.errors) == {"none", "all"}
  for errors in result.errors.values():
    assert 0.0 <= errors["train"] <= 1.0 and 0.0 <= errors["dev"] <= 1.0
  assert "| all |" in result.table and "gap" in result.table
  for png in ("regularization_curves.png", "augmented_examples.png"):
    assert os.path.getsize(tmp_path / png) > 1000
  # 'all' stopped early or ran to the end; its curves were recorded.
  assert len(result.runs["all"].history["dev/error"]) >= 1


def test_regularization_variants_wire_the_right_pieces():
  from jaxdl.regularization import regularization_experiment

  config = _config("regularization")
  cfg, task, aug = regularization_experiment.variant_parts("none", config, 10)
  assert task.regularizer is None and aug is None
  cfg, task, aug = regularization_experiment.variant_parts("all", config, 10)
  assert task.regularizer is not None and aug is not None
  # notes 2.3.1 with m = batch size: lambda * sum(W^2) / (2 m), kernels only.
  params = {"dense0": {"kernel": np.ones((2, 3)), "bias": np.ones(3)}}
  value = task.regularizer(params, {"image": np.zeros((4, 8, 8, 1))})
  np.testing.assert_allclose(value, config.regularization.l2_lambda * 6 / 8, rtol=1e-6)
  assert cfg.model_kwargs.keep_prob == config.regularization.keep_prob
  assert cfg.early_stopping.patience == config.regularization.patience
  assert regularization_experiment.reading(0.0, 0.1) == "high variance"
  assert regularization_experiment.reading(0.2, 0.21) == "high bias"
  with pytest.raises(ValueError, match="variants"):
    regularization_experiment.variant_parts("mixup", config, 10)


def test_optimizers_smoke(tmp_path):
  from jaxdl.optim.optimizers_experiment import run

  config = _config("optimizers")
  result = run(config, str(tmp_path))
  assert list(result.curves) == list(config.optimizers.order)
  for losses in result.curves.values():
    assert losses.shape == (config.optimizers.num_steps + 1,)
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]
  assert set(result.surface_steps) == {"elongated_bowl", "saddle_plateau"}
  for png in ("loss_curves.png", "surfaces.png", "ewa.png", "schedules.png"):
    assert os.path.getsize(tmp_path / png) > 1000
  assert os.listdir(tmp_path / "tensorboard")


def test_surfaces_show_the_notes_claims():
  """2.5: at alpha = 0.2 GD diverges on the bowl, momentum converges.
  2.9: from the plateau every rule escapes the saddle to a minimum y = +-1."""
  from jaxdl.optim import notes_optimizers as no
  from jaxdl.optim import surfaces

  bowl, _ = surfaces.SURFACES["elongated_bowl"]
  _, gd = surfaces.trajectory(bowl, no.make_notes_optimizer("gd", 0.2), (-4.0, 1.0), 60)
  _, mom = surfaces.trajectory(bowl, no.notes_momentum(0.2, 0.5), (-4.0, 1.0), 60)
  assert not np.isfinite(gd[-1]) or gd[-1] > gd[0]
  assert mom[-1] < 1e-3
  saddle, minimum = surfaces.SURFACES["saddle_plateau"]
  pts, vals = surfaces.trajectory(saddle, no.notes_adam(0.1), (2.0, 1e-3), 150)
  assert abs(abs(pts[-1, 1]) - 1.0) < 0.05 and vals[-1] < minimum + 1e-2
  np.testing.assert_allclose(saddle(np.array([0.0, 1.0])), -0.25)


def test_hparam_search_smoke(tmp_path):
  from jaxdl.hparam.hparam_search_experiment import run

  config = _config("hparam_search")
  result = run(config, str(tmp_path))
  seeds = config.hparam.random_repeats
  names = [s.name for s in result.summaries]
  assert names == ["grid"] * seeds + ["random"] * seeds + [
      "coarse_to_fine_round1",
      "coarse_to_fine_round2",
  ]
  # 16 trials per seed: a 4x4 grid tries 4 learning rates, random search 16.
  assert result.stats["grid"].distinct_lr == [4] * seeds
  assert result.stats["random"].distinct_lr == [16] * seeds
  for s in result.summaries[: 2 * seeds]:
    assert len(s.dev_loss) == 16
  # Each seed's grid is offset differently: the seeds try different rates.
  grids = [s.points["learning_rate"] for s in result.summaries[:seeds]]
  assert not np.allclose(grids[0], grids[1])
  for st in result.stats.values():
    assert len(st.best) == seeds
    assert st.q25 <= st.median <= st.q75
  assert 0.0 <= result.random_beats_grid <= 1.0
  assert os.path.getsize(tmp_path / "hparam_search.png") > 1000
  assert os.listdir(tmp_path / "tensorboard")
  assert "random" in result.table and "25-75 %" in result.table


def test_batchnorm_smoke(tmp_path):
  from jaxdl.models.batchnorm_experiment import run

  result = run(_config("batchnorm"), str(tmp_path))
  assert set(result.steps) == {"no_bn", "bn_before"}
  assert os.path.getsize(tmp_path / "batchnorm_loss.png") > 1000
  assert "bn_before" in result.table


def test_bench_trials_small():
  from jaxdl.hparam import bench

  rng = np.random.default_rng(0)
  data = {
      "x": rng.normal(size=(64, 8)).astype(np.float32),
      "y": rng.integers(0, 3, 64).astype(np.int32),
  }
  result = bench.benchmark_trials(
      data, data, num_trials=4, num_steps=3, batch_size=16, hidden=(4,), repeats=1
  )
  assert result["ratio_wall"] > 0 and result["ratio_step"] > 0
  assert "ratio 4/1" in bench.format_benchmark(result, 4)
