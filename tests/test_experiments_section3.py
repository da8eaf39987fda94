"""End to end: the smoke config of every section-3 launcher, and a run's restore."""

import os
import subprocess
import sys

import numpy as np
import pytest

from jaxdl.analysis import diagnosis
from jaxdl.review.config_file import load_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _config(name, variant='smoke'):
  return load_config(os.path.join(ROOT, 'launch', 'configs', f'{name}.py:{variant}'))


@pytest.mark.parametrize(
    'variant,largest',
    [
        ('', 'avoidable_bias'),
        ('scenario_b', 'variance'),
        ('variance', 'variance'),
        ('mismatch', 'data_mismatch'),
    ],
)
def test_diagnose_configs_reproduce_the_notes(variant, largest):
  result, sizes = diagnosis.diagnosis_from_config(_config('diagnose', variant))
  assert result.largest == largest and sizes == {}


def test_diagnose_cli():
  out = subprocess.run(
      [
          sys.executable,
          'launch/diagnose.py',
          '--config=launch/configs/diagnose.py:mismatch',
          '--config.num_dev=200',
          '--config.human_error=0.005',
      ],
      cwd=ROOT,
      capture_output=True,
      text=True,
      timeout=120,
      check=True,
  ).stdout
  assert 'data mismatch        +9.00 points  <- largest' in out
  assert 'dev error          10.00% (95% CI' in out
  assert 'human-level error  0.50%' in out


def test_data_mismatch_smoke(tmp_path):
  from jaxdl.mismatch.data_mismatch_experiment import run

  result = run(_config('data_mismatch'), str(tmp_path))
  assert list(result.errors) == ['all']
  errors = result.errors['all']
  assert set(errors) == {'train', 'train_dev', 'dev', 'test'}
  assert all(0.0 <= e <= 1.0 for e in errors.values())
  assert result.counts['all']['train'] == 916  # 60% of 1,797 digits, minus 15% train-dev
  d = result.diagnoses['all']
  assert d.gap('data_mismatch') == pytest.approx(errors['dev'] - errors['train_dev'])
  assert d.gap('variance') == pytest.approx(errors['train_dev'] - errors['train'])
  assert d.gap('avoidable_bias') is None  # human_error unknown in the config
  assert result.table.count('\n') == 2 and '| all |' in result.table
  for name in ('mismatch.md', 'mismatch_errors.png', 'all/results.md', 'all/curves_error.png'):
    assert os.path.getsize(tmp_path / name) > 0


def test_transfer_smoke_and_reuse_of_a_runs_checkpoint(tmp_path):
  from jaxdl.transfer.transfer_experiment import run

  config = _config('transfer')
  result = run(config, str(tmp_path / 'first'))
  assert set(result.errors) == {'scratch', 'frozen', 'finetune'}
  # Smoke model: dense 16 -> 10 classes; frozen trains the head alone.
  assert result.trainable['frozen'] == 16 * 10 + 10
  assert result.trainable['scratch'] == result.trainable['finetune'] > 170
  assert '| test |' in result.pretrain_table
  assert os.path.getsize(tmp_path / 'first' / 'transfer.md') > 0
  config.transfer.pretrained_workdir = str(tmp_path / 'first' / 'pretrain_a')
  config.transfer.modes = ('frozen',)
  again = run(config, str(tmp_path / 'second'))
  assert again.pretrain_table == '' and again.pretrained_from.startswith(
      str(tmp_path / 'first' / 'pretrain_a')
  )
  assert not os.path.exists(tmp_path / 'second' / 'pretrain_a')


def test_multitask_smoke(tmp_path):
  from jaxdl.multitask.multitask_experiment import run
  from jaxdl.multitask.shapes import SHAPE_NAMES

  result = run(_config('multitask'), str(tmp_path))

  config = _config('multitask')
  for split in ('dev', 'test'):
    assert set(result.errors['multi-task'][split]) == set(SHAPE_NAMES)
    assert set(result.errors['single-task'][split]) == {'disk'}  # the smoke's one baseline
    for model in result.errors:
      assert all(0 <= e <= 1 for e in result.errors[model][split].values())
  # The disk model learns from exactly the training images whose disk label is known.
  from jaxdl.multitask.multitask_experiment import shapes_dataset

  mask = shapes_dataset(config).splits['train']['label_mask']
  assert result.num_train_labels == {
      'multi-task': int(mask.sum()),
      'single-task': int(mask[:, 3].sum()),
  }
  lines = result.table.splitlines()
  assert len(lines) == 6 and lines[0].endswith('| mean (1 shapes) |')
  assert lines[3].startswith('| dev | single-task | - | - | - |')
  assert os.path.isdir(tmp_path / 'single_disk') and not os.path.exists(tmp_path / 'single_x')
  config.multitask.single_task_shapes = ('cube',)
  with pytest.raises(ValueError, match='cube'):
    run(config, str(tmp_path / 'bad'))


@pytest.fixture(scope='module')
def trained_run(tmp_path_factory):
  from jaxdl.train.loop import train_and_evaluate

  workdir = str(tmp_path_factory.mktemp('run'))
  config = _config('train')
  return config, workdir, train_and_evaluate(config, workdir)


def test_every_run_prints_the_diagnosis(trained_run):
  _, _, result = trained_run
  assert 'Diagnosis (notes 3.8, 3.12)' in result.table
  assert 'human-level error  unknown (set human_error)' in result.table


def test_restore_run_gives_back_the_trained_state(trained_run):
  from jaxdl.review.restore import predict_probs, restore_run

  config, workdir, result = trained_run
  state, dataset = restore_run(config, workdir, 'latest')
  dev = dataset.splits['dev']
  want = predict_probs(result.state, dev, 64)
  np.testing.assert_allclose(predict_probs(state, dev, 64), want, atol=1e-6)
  assert want.shape == (len(dev['label']), 10)
  np.testing.assert_allclose(want.sum(1), 1.0, atol=1e-5)
  err = float(np.mean(want.argmax(1) != dev['label']))
  assert err == pytest.approx(result.final['dev']['error'], abs=1e-6)
  with pytest.raises(FileNotFoundError):
    restore_run(config, workdir + '_missing')


def test_error_analysis_smoke_and_relabel(trained_run, tmp_path):
  from jaxdl.analysis import error_analysis as ea
  from jaxdl.review.error_analysis_experiment import run

  _, workdir, _ = trained_run
  config = _config('error_analysis')
  config.source_workdir = workdir
  config.checkpoint = 'latest'
  result = run(config, str(tmp_path / 'a'))
  for path in result.files.values():
    assert os.path.getsize(path) > 0
  assert result.markdown.splitlines()[0].startswith(
      '| Example | Label | Predicted | blurry | low_contrast |'
  )
  assert result.table.num_errors == min(
      20, int(round(result.dev_error * len(result.labels['dev'])))
  )
  assert len(result.injected['dev']) == round(0.03 * len(result.labels['dev']))
  flagged, injected = set(result.flagged['dev'].tolist()), set(result.injected['dev'].tolist())
  if flagged:  # the smoke model may be too unsure to flag anything
    assert result.injected_precision == pytest.approx(len(flagged & injected) / len(flagged))
  # A reviewer who knows the truth undoes the injected flips in dev and test.
  from jaxdl.train.loop import load_configured_dataset

  clean = load_configured_dataset(_config('train')).splits
  rows = [
      (s, int(i), int(result.labels[s][i]), int(clean[s]['label'][i]))
      for s in ('dev', 'test')
      for i in result.injected[s]
  ]
  (tmp_path / 'relabel.csv').write_text(
      'split,index,old_label,new_label\n' + ''.join(f'{s},{i},{o},{n}\n' for s, i, o, n in rows)
  )
  config.relabel_csv = str(tmp_path / 'relabel.csv')
  again = run(config, str(tmp_path / 'b'))
  for s in ('dev', 'test'):
    before, after = again.relabelled_errors[s]
    assert before == pytest.approx(np.mean(again.predictions[s] != again.labels[s]))
    assert after == pytest.approx(np.mean(again.predictions[s] != clean[s]['label']))
  with pytest.raises(ValueError, match='source_workdir'):
    config.source_workdir = ''
    run(config, str(tmp_path / 'c'))
  assert ea.read_relabels(str(tmp_path / 'relabel.csv'))[0][0] == 'dev'
