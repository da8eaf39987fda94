"""End-to-end smoke runs of launch/classify.py and launch/plain_vs_resnet.py configs."""

import os

import numpy as np
import pytest

from jaxdl.convnets import classify_experiment, plain_vs_resnet_experiment
from jaxdl.data.dataset import Dataset, DatasetInfo
from jaxdl.review.config_file import load_config


def test_classify_smoke_end_to_end(tmp_path, capsys):
  config = load_config('launch/configs/classify.py:smoke')
  result = classify_experiment.run(config, str(tmp_path))
  printed = capsys.readouterr().out
  # The layer table is printed first and saved; its total is LeNet-5's
  # count with the smoke filters: conv 5*5*1*4+4, 5*5*4*8+8, fc 200*16+16, ...
  want = (
      (5 * 5 * 1 * 4 + 4) + (5 * 5 * 4 * 8 + 8) + (200 * 16 + 16) + (16 * 16 + 16) + (16 * 10 + 10)
  )
  assert result.num_params == want
  assert printed.index('layer') < printed.index('total')
  assert f'{want:,}' in printed
  assert os.path.exists(tmp_path / 'layer_table.txt')
  assert os.path.exists(tmp_path / 'curves_error.png')
  final = result.run.final
  assert set(final) >= {'train', 'dev', 'test'}
  # One epoch of LeNet on 10 classes already beats chance (90 % error).
  assert final['train']['error'] < 0.85


def test_resize_dataset():
  images = np.random.default_rng(0).uniform(size=(3, 8, 8, 1)).astype(np.float32)
  ds = Dataset(
      'x', {'train': {'image': images, 'label': np.zeros(3, np.int32)}}, DatasetInfo(num_classes=2)
  )
  out = classify_experiment.resize_dataset(ds, 16)
  assert out.splits['train']['image'].shape == (3, 16, 16, 1)
  # Bilinear resize keeps the mean brightness roughly and the range exactly.
  assert out.splits['train']['image'].min() >= images.min() - 1e-6
  assert out.splits['train']['image'].max() <= images.max() + 1e-6
  np.testing.assert_array_equal(out.splits['train']['label'], 0)


def _row(depth, residual, err):
  return plain_vs_resnet_experiment.Row(depth, residual, err, 1.0, err, [1], [err])


def test_judge_and_table():
  rows = [_row(8, False, 0.10), _row(8, True, 0.10), _row(56, False, 0.30), _row(56, True, 0.05)]
  assert plain_vs_resnet_experiment.judge(rows, 0.02) == (True, True)
  rows[3] = _row(56, True, 0.20)  # ResNet also degrading: claim fails
  assert plain_vs_resnet_experiment.judge(rows, 0.02) == (True, False)
  table = plain_vs_resnet_experiment.format_table(rows).splitlines()
  assert len(table) == 4 and table[2].startswith('| 8 | 10.00% | 10.00%')
  assert table[3].startswith('| 56 | 30.00% | 20.00%')


def test_plain_vs_resnet_orchestration(tmp_path, monkeypatch):
  # The six-network loop, table, verdicts and PNG with the training replaced
  # by a stub whose training error is a known function of the network (the
  # real training runs in the slow end-to-end test below: 4 BN nets to compile
  # cost ~70 s of CPU).
  seen = []

  def fake_train(config, workdir, *, dataset, model):
    seen.append((model.depth, model.residual, os.path.basename(workdir)))
    err = 0.1 + (0.01 * model.depth if not model.residual else 0.0)
    hist = {'step': [2, 4], 'train/error': [err + 0.1, err]}
    final = {s: {'error': err, 'loss': 2 * err} for s in ('train', 'dev')}
    return type('R', (), {'final': final, 'history': hist})()

  monkeypatch.setattr(plain_vs_resnet_experiment.loop, 'train_and_evaluate', fake_train)
  config = load_config('launch/configs/plain_vs_resnet.py:smoke')
  result = plain_vs_resnet_experiment.run(config, str(tmp_path))
  assert seen == [
      (8, False, 'plain8'),
      (8, True, 'resnet8'),
      (14, False, 'plain14'),
      (14, True, 'resnet14'),
  ]
  assert result.plain_degrades and result.residual_holds
  assert '| 14 | 24.00% | 10.00%' in result.table
  assert os.path.exists(tmp_path / 'plain_vs_resnet.png')


@pytest.mark.slow
def test_plain_vs_resnet_smoke_end_to_end(tmp_path):
  config = load_config('launch/configs/plain_vs_resnet.py:smoke')
  result = plain_vs_resnet_experiment.run(config, str(tmp_path))
  assert [(r.depth, r.residual) for r in result.rows] == [
      (8, False),
      (8, True),
      (14, False),
      (14, True),
  ]
  assert all(0.0 <= r.train_error <= 1.0 for r in result.rows)
  assert os.path.exists(tmp_path / 'plain_vs_resnet.png')
  assert os.path.exists(tmp_path / 'plain_vs_resnet.md')
  assert (tmp_path / 'plain_vs_resnet.md').read_text().strip() == result.table


def test_plain_vs_resnet_needs_two_depths(tmp_path):
  config = load_config('launch/configs/plain_vs_resnet.py:smoke')
  with config.unlocked():
    config.experiment.depths = (8,)
  with pytest.raises(ValueError, match='depths'):
    plain_vs_resnet_experiment.run(config, str(tmp_path))


def test_bench_vs_torch_tiny(monkeypatch):
  from jaxdl.bench import torch_peer

  row = torch_peer.compare('lenet5_patches', batch_size=8, steps=1, rounds=2, use_torch=False)
  assert row.torch_images_per_s is None and row.ratio is None
  assert len(row.jax_rounds) == 2 and row.jax_images_per_s > 0
  table = torch_peer.format_table([row])
  assert 'not installed' in table and '| lenet5_patches | 8 |' in table
  # Without torch, compare() skips it cleanly even when asked to use it.
  monkeypatch.setattr(torch_peer, 'torch_available', lambda: False)
  assert torch_peer.compare('lenet5', 8, 1, 1).torch_images_per_s is None
  with pytest.raises(ValueError, match='model'):
    torch_peer.compare('lenet7')


def test_torch_side_runs_in_its_own_process():
  # PyTorch is timed in a spawned child (no jaxdl malloc tuning there).
  pytest.importorskip('torch')
  from jaxdl.bench import torch_peer

  row = torch_peer.compare('lenet5', 8, steps=1, rounds=2)
  assert len(row.torch_rounds) == 2 and row.torch_images_per_s > 0
  assert row.ratio == row.jax_images_per_s / row.torch_images_per_s
  with pytest.raises(ValueError, match='torch_malloc'):
    torch_peer.compare('lenet5', 8, 1, 1, torch_malloc='jemalloc')


def test_torch_twins_have_the_flax_parameter_counts():
  # PyTorch's own layers count the parameters independently of flax.
  pytest.importorskip('torch')
  from jaxdl.bench import torch_peer

  counts = {
      name: sum(p.numel() for p in cls().parameters())
      for name, cls in torch_peer.torch_models().items()
  }
  assert counts == {'lenet5': 61_706, 'cifar_resnet18': 11_173_962}
