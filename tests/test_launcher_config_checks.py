"""Every launcher checks its whole config (or flags) before any compute.

In-process: each experiment's check_config accepts the default and `:smoke`
configs and rejects one bad value per field family with a ConfigError whose
message starts with 'config.<field>=' (or names the wrong entry of it,
'config.<field>.<entry>='; flags: '--<flag>='). A few subprocess
runs check that a launcher turns the mistake into one 'error: ...' line and a
non-zero exit code, without a traceback.
"""

import importlib
import os
import re
import subprocess
import sys

import pytest

from helpers import ROOT
from jaxdl.errors import ConfigError
from jaxdl.review.config_file import load_config

# launcher -> (module with check_config, config variants that must pass)
EXPERIMENTS = {
    'batchnorm': ('jaxdl.models.batchnorm_experiment', ('', 'smoke')),
    'classify': ('jaxdl.convnets.classify_experiment', ('', 'smoke', 'resnet20')),
    'data_mismatch': ('jaxdl.mismatch.data_mismatch_experiment', ('', 'smoke')),
    'detect': ('jaxdl.detection.detect_experiment', ('', 'smoke', 'voc2007')),
    'diagnose': ('jaxdl.analysis.diagnosis', ('', 'smoke', 'scenario_b', 'variance', 'mismatch')),
    'error_analysis': ('jaxdl.review.error_analysis_experiment', ('', 'smoke')),
    'face_verification': (
        'jaxdl.embedding.face_verification_experiment',
        ('', 'smoke', 'digits', 'omniglot', 'lfw'),
    ),
    'hparam_search': ('jaxdl.hparam.hparam_search_experiment', ('', 'smoke')),
    'multitask': ('jaxdl.multitask.multitask_experiment', ('', 'smoke')),
    'optimizers': ('jaxdl.optim.optimizers_experiment', ('', 'smoke')),
    'plain_vs_resnet': ('jaxdl.convnets.plain_vs_resnet_experiment', ('', 'smoke')),
    'regularization': ('jaxdl.regularization.regularization_experiment', ('', 'smoke')),
    'style_transfer': ('jaxdl.style.style_transfer_experiment', ('', 'smoke')),
    'transfer': ('jaxdl.transfer.transfer_experiment', ('', 'smoke')),
    'translate': ('jaxdl.sequence.translate_experiment', ('', 'smoke', 'no_attention', 'wmt')),
}


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch):
  monkeypatch.chdir(ROOT)  # config files name sibling configs and paths relative to it


def _config(launcher, variant='', source_workdir=None):
  spec = f'launch/configs/{launcher}.py' + (f':{variant}' if variant else '')
  c = load_config(spec)
  if 'num_devices' in c:
    c.num_devices = 1  # the launchers' CPU default; divisibility by 8 is tested apart
  if launcher == 'error_analysis':
    c.source_workdir = source_workdir  # required: any existing run workdir
  return c


def _set(config, field, value):
  node = config
  *path, leaf = field.split('.')
  for p in path:
    node = node[p]
  node[leaf] = value  # unlocked (load_config): a new key stands for a user's typo


def _check(launcher, config):
  return importlib.import_module(EXPERIMENTS[launcher][0]).check_config(config)


@pytest.mark.parametrize(
    'launcher,variant', [(name, v) for name, (_, variants) in EXPERIMENTS.items() for v in variants]
)
def test_default_and_variant_configs_pass(launcher, variant, tmp_path):
  _check(launcher, _config(launcher, variant, str(tmp_path)))


BAD = [
    # translate
    ('translate', 'optimizer.learning_rate', -3e-3, 'must be > 0'),
    ('translate', 'optimizer.grad_clip_norm', -1.0, '>= 0'),
    ('translate', 'translate.beam_size', 0, '>= 1'),
    ('translate', 'translate.num_train', 16, 'batch_size'),
    ('translate', 'translate.alpha', -0.5, '>= 0'),
    ('translate', 'translate.num_examples', -1, '>= 0'),
    ('translate', 'model_kwargs.cell_type', 'transformer', 'gru'),
    ('translate', 'model_kwargs.features', 0, '>= 1'),
    ('translate', 'model_kwargs.hidden_size', 16, 'not a field of PackedTranslator'),
    ('translate', 'model', 'cnn', 'seq2seq'),
    ('translate', 'dataset', 'wmt14_translate/de-en', 'config.wmt'),
    ('translate', 'batch_size', 0, '> 0'),
    ('translate', 'eval_batch_size', -4, '>= 0'),
    ('translate', 'num_train_steps', -1, '>= 0'),
    ('translate', 'early_stopping.metric', 'error', 'split'),
    ('translate', 'early_stopping.min_delta', -0.1, '>= 0'),
    ('translate', 'num_devices', 10**6, 'devices'),
    # detect
    ('detect', 'yolo.num_anchors', 0, '>= 1'),
    ('detect', 'yolo.num_anchors', 100, 'training images'),
    ('detect', 'yolo.anchors', (0.1, 0.2, 0.3), 'w1, h1'),
    ('detect', 'yolo.lambda_coord', -1.0, '>= 0'),
    ('detect', 'yolo.confidence_loss', 'hinge', 'log'),
    ('detect', 'evaluation.nms_iou_threshold', 1.5, '[0, 1]'),
    ('detect', 'evaluation.score_threshold', -0.1, '[0, 1]'),
    ('detect', 'evaluation.match_iou_threshold', 0.0, '(0, 1]'),
    ('detect', 'evaluation.max_outputs', 0, '>= 1'),
    ('detect', 'evaluation.batch_size', 0, '>= 1'),
    ('detect', 'evaluation.num_plot', -1, '>= 0'),
    ('detect', 'evaluation.plot_score_threshold', 2.0, '[0, 1]'),
    ('detect', 'generator.image_size', 30, 'divisible by 2**model_kwargs.num_pools'),
    ('detect', 'generator.max_size', 40, 'image_size'),
    ('detect', 'generator.min_size', 0, '>= 1'),
    ('detect', 'generator.max_overlap', 1.5, '[0, 1]'),
    ('detect', 'generator.max_objects', 0, '>= 1'),
    ('detect', 'generator.sizes', {'train': 64, 'dev': 16}, 'train, dev and test'),
    ('detect', 'model_kwargs.num_pools', -1, '>= 0'),
    ('detect', 'model_kwargs.widths', (4, 0, 8), '>= 1'),
    ('detect', 'augment.flip_left_right.probability', 1.5, '[0, 1]'),
    ('detect', 'augment.shift.max_shift', 1.0, '[0, 1)'),
    ('detect', 'augment.shift.mode', 'wrap', 'constant'),
    ('detect', 'augment.elastic', {'alpha': 3.0}, 'cannot move boxes'),
    ('detect', 'augment.rotate', {'degrees': 3.0}, 'not an augmentation op'),
    ('detect', 'optimizer.learning_rate', 0.0, '> 0'),
    ('detect', 'optimizer.warmup_epochs', -1.0, '>= 0'),
    ('detect', 'optimizer.name', 'lion', 'adam'),
    # error_analysis
    ('error_analysis', 'source_workdir', '', 'required'),
    ('error_analysis', 'source_workdir', '/nonexistent/run', 'existing run workdir'),
    ('error_analysis', 'source_config', 'launch/configs/nope.py', 'existing config file'),
    ('error_analysis', 'checkpoint', 'first', 'best'),
    ('error_analysis', 'inject_label_noise', 1.0, '[0, 1)'),
    ('error_analysis', 'tag_quantile', 0.0, '(0, 1)'),
    ('error_analysis', 'max_errors', -1, '>= 0'),
    ('error_analysis', 'mislabel_min_confidence', 1.5, '[0, 1]'),
    ('error_analysis', 'relabel_csv', '/nonexistent.csv', 'CSV file'),
    # batchnorm
    ('batchnorm', 'batchnorm.variants', ('no_bn', 'bn_middle'), 'bn_after'),
    ('batchnorm', 'batchnorm.variants', (), 'non-empty'),
    ('batchnorm', 'batchnorm.target_loss', 0.0, '> 0'),
    ('batchnorm', 'model', 'lenet5', 'batchnorm field'),
    ('batchnorm', 'optimizer.learning_rate', -0.05, '> 0'),
    # classify
    ('classify', 'image_size', -32, '>= 0'),
    ('classify', 'model', 'resnet9000', 'must be one of'),
    ('classify', 'model_kwargs.filters', (4, -8), '>= 1'),
    ('classify', 'optimizer.b1', 1.0, '[0, 1)'),
    # data_mismatch
    ('data_mismatch', 'mismatch.a_fraction', 1.0, '(0, 1)'),
    ('data_mismatch', 'mismatch.train_dev_fraction', 0.0, '(0, 1)'),
    ('data_mismatch', 'mismatch.b_in_train', -0.1, '[0, 1)'),
    ('data_mismatch', 'mismatch.blur_sigma', (0.8, 0.3), 'min <= max'),
    ('data_mismatch', 'mismatch.contrast', (0.0, 0.9), 'min <= max'),
    ('data_mismatch', 'mismatch.max_shift', -1, '>= 0'),
    ('data_mismatch', 'mismatch.synthesis', ('none', 'blur+glare'), "joined by '+'"),
    ('data_mismatch', 'mismatch.synthesis_copies', 0, '>= 1'),
    ('data_mismatch', 'human_error', 1.5, 'fraction'),
    # face_verification
    ('face_verification', 'triplet.mining', 'hardest', 'semi_hard'),
    ('face_verification', 'triplet.alpha', -0.2, '>= 0'),
    ('face_verification', 'identities.held_out_fraction', 0.0, '(0, 1)'),
    ('face_verification', 'identities.dev_fraction', 1.0, '(0, 1)'),
    ('face_verification', 'identities.max_identities', 1, '>= 2'),
    ('face_verification', 'identities.held_out', (5, 5), 'distinct'),
    ('face_verification', 'evaluation.n_pairs', 101, 'even'),
    ('face_verification', 'evaluation.n_way', (1,), '>= 2'),
    ('face_verification', 'evaluation.n_episodes', 0, '>= 1'),
    ('face_verification', 'evaluation.logreg_pairs', 'test', 'dev'),
    ('face_verification', 'evaluation.logreg_l2', -1.0, '>= 0'),
    ('face_verification', 'model_kwargs.embed_dim', 0, '>= 1'),
    ('face_verification', 'optimizer.learning_rate', -1e-3, '> 0'),
    # hparam_search
    ('hparam_search', 'hparam.optimizer', 'lamb', 'adam'),
    ('hparam_search', 'hparam.num_steps', 0, '>= 1'),
    ('hparam_search', 'hparam.batch_size', 0, '>= 1'),
    ('hparam_search', 'hparam.num_trials', 0, '>= 1'),
    ('hparam_search', 'hparam.space', (('learning_rate', 'log_uniform', 0.0, 1.0),), 'low > 0'),
    ('hparam_search', 'hparam.space', (('learning_rate', 'cubic', 1e-4, 1.0),), 'log_uniform'),
    ('hparam_search', 'hparam.space', (('momentum', 'uniform', 0.1, 0.9),), 'learning_rate'),
    ('hparam_search', 'hparam.c2f_rounds', 0, '>= 1'),
    ('hparam_search', 'hparam.c2f_keep_fraction', 0.0, '(0, 1]'),
    ('hparam_search', 'hparam.random_repeats', -1, '>= 0'),
    ('hparam_search', 'data.fractions', (0.5, 0.5, 0.5), 'summing to 1'),
    # multitask
    ('multitask', 'multitask.train_size', 0, '>= 1'),
    ('multitask', 'multitask.train_size', 16, 'batch_size'),
    ('multitask', 'multitask.missing_fraction', 1.0, '[0, 1)'),
    ('multitask', 'multitask.single_task_shapes', ('disk', 'star'), 'square'),
    # optimizers
    ('optimizers', 'optimizers.num_steps', 0, '>= 1'),
    ('optimizers', 'optimizers.target_loss', -1.0, '> 0'),
    ('optimizers', 'optimizers.runs.adam.learning_rate', -3e-3, '> 0'),
    ('optimizers', 'optimizers.runs.adam.optimizer', 'adam', 'notes_adam'),
    ('optimizers', 'optimizers.runs.adam_decay.schedule', 'cosine', 'inverse_time'),
    ('optimizers', 'optimizers.runs.momentum.beta1', 1.0, '[0, 1)'),
    ('optimizers', 'optimizers.order', ('adam', 'lion'), 'adam_decay'),
    ('optimizers', 'optimizers.surfaces.tolerance', 0.0, '> 0'),
    ('optimizers', 'optimizers.surfaces.bowl_start', (1.0,), '(x, y)'),
    ('optimizers', 'optimizers.surfaces.runs.gd.learning_rate', 0.0, '> 0'),
    ('optimizers', 'optimizers.surfaces.order', (), 'non-empty'),
    # plain_vs_resnet
    ('plain_vs_resnet', 'experiment.depths', (8,), 'two distinct depths'),
    ('plain_vs_resnet', 'experiment.depths', (8, 10), '6n + 2'),
    ('plain_vs_resnet', 'experiment.width', 0, '>= 1'),
    ('plain_vs_resnet', 'experiment.shortcut', 'C', 'A, B'),
    ('plain_vs_resnet', 'experiment.tolerance', -0.01, '[0, 1]'),
    ('plain_vs_resnet', 'image_size', -1, '>= 0'),
    # regularization
    ('regularization', 'regularization.variants', ('none', 'mixup'), 'early_stopping'),
    ('regularization', 'regularization.l2_lambda', -0.1, '>= 0'),
    ('regularization', 'regularization.keep_prob', 0.0, '(0, 1]'),
    ('regularization', 'regularization.patience', 0, '>= 1'),
    ('regularization', 'regularization.augment.affine.scale_range', (1.1, 0.9), 'min <= max'),
    ('regularization', 'regularization.augment.affine.max_rotation_deg', -10.0, '>= 0'),
    ('regularization', 'regularization.augment.affine.max_shear', -0.1, '>= 0'),
    ('regularization', 'regularization.augment.affine.rotation', 10.0, 'not an argument'),
    (
        'regularization',
        'regularization.augment.elastic',
        {'alpha': 3.0, 'sigma': 0.0},
        'elastic.sigma=0.0: must be a number > 0',
    ),
    ('regularization', 'model_kwargs.keep_prob', 1.5, '(0, 1]'),
    # style_transfer
    ('style_transfer', 'content', 'mona_lisa.jpg', 'existing image file'),
    ('style_transfer', 'weights_path', '/nonexistent/vgg19.h5', 'existing Keras'),
    ('style_transfer', 'pool', 'min', 'avg'),
    ('style_transfer', 'widths', (4, 8), 'one per stage'),
    ('style_transfer', 'scales', (2, 4), 'including 1'),
    ('style_transfer', 'content_layer', 'conv6_1', 'conv4_2'),
    ('style_transfer', 'style_layers', ('conv1_1', 'fc6'), 'conv1_1'),
    ('style_transfer', 'style_layer_weights', (1.0, 1.0), 'one per style layer'),
    ('style_transfer', 'alpha', -10.0, '>= 0'),
    ('style_transfer', 'tv_weight', -1e-6, '>= 0'),
    ('style_transfer', 'optimizer.name', 'lbfgs', 'adam'),
    ('style_transfer', 'optimizer.learning_rate', 0.0, '> 0'),
    ('style_transfer', 'num_steps', 0, '>= 1'),
    ('style_transfer', 'log_every_steps', 0, '>= 1'),
    ('style_transfer', 'snapshot_every', -1, '>= 0'),
    ('style_transfer', 'init', 'zeros', 'content'),
    ('style_transfer', 'init_noise', -0.1, '>= 0'),
    ('style_transfer', 'max_side', -1, '>= 0'),
    # transfer
    ('transfer', 'transfer.task', 'letters', 'classes'),
    ('transfer', 'transfer.shots_per_class', 0, '>= 1'),
    ('transfer', 'transfer.head_modules', ('classifier',), 'top-level modules'),
    ('transfer', 'transfer.pretrained_workdir', '/nonexistent/run', 'existing run workdir'),
    ('transfer', 'transfer.checkpoint', 'first', 'best'),
    ('transfer', 'transfer.modes', ('scratch', 'linear_probe'), 'finetune'),
    ('transfer', 'transfer.backbone_lr_scale', 0.0, '(0, 1]'),
    ('transfer', 'transfer.steps', 0, '>= 1'),
    ('transfer', 'transfer.batch_size', 64, 'training examples of task B'),
    ('transfer', 'transfer.eval_every_steps', -1, '>= 0'),
    ('transfer', 'transfer.optimizer.learning_rate', -3e-3, '> 0'),
    ('transfer', 'transfer.noise_std', (0.1,), 'min <= max'),
    # diagnose
    ('diagnose', 'train_error', -1.0, 'required'),
    ('diagnose', 'dev_error', 1.5, '[0, 1]'),
    ('diagnose', 'test_error', 2.0, '[0, 1]'),
    ('diagnose', 'num_dev', -5, '>= 0'),
]


@pytest.mark.parametrize(
    'launcher,field,value,fragment', BAD, ids=[f'{b[0]}-{b[1]}={b[2]!r}' for b in BAD]
)
def test_bad_value_is_one_config_error_naming_the_field(launcher, field, value, fragment, tmp_path):
  variant = 'smoke' if launcher != 'diagnose' else ''
  config = _config(launcher, variant, str(tmp_path))
  _set(config, field, value)
  with pytest.raises(ConfigError) as e:
    _check(launcher, config)
  message = str(e.value)
  # The field itself, or the entry of it that is wrong (hparam.space.learning_rate=...).
  assert re.match(rf'config\.{re.escape(field)}[=.]', message), message
  assert fragment in message, message
  assert '\n' not in message


def test_batch_size_must_split_over_the_devices():
  import jax

  config = _config('translate', 'smoke')
  config.num_devices = 0  # all: 8 simulated devices in the tests
  config.batch_size = jax.device_count() + 1
  with pytest.raises(ConfigError, match=r'^config\.batch_size=.*divisible'):
    _check('translate', config)


def test_face_verification_held_out_must_be_identities_of_the_dataset():
  from jaxdl.embedding import face_verification_experiment

  config = _config('face_verification', 'smoke')
  config.identities.held_out = (0, 1, 2, 3, 4, 99)
  with pytest.raises(ConfigError, match=r'^config\.identities\.held_out=.*\[99\]'):
    face_verification_experiment.make_identity_dataset(config)


def test_style_transfer_image_too_small_for_the_deepest_layer():
  from jaxdl.style import images, style_transfer_experiment

  config = _config('style_transfer', 'smoke')
  config.max_side = 20
  with pytest.raises(ConfigError, match=r'^config\.max_side=20: .*conv5_1'):
    style_transfer_experiment.check_image_size(
        config, images.load_image(config.content, config.max_side)
    )


BAD_FLAGS = [
    (
        'jaxdl.detection.benchmark',
        dict(sizes=['1000', 'x'], max_outputs=100, image_size=64, batch=4, repeats=10),
        '--sizes=',
    ),
    (
        'jaxdl.detection.benchmark',
        dict(sizes=['0'], max_outputs=100, image_size=64, batch=4, repeats=10),
        '--sizes=',
    ),
    (
        'jaxdl.detection.benchmark',
        dict(sizes=['10'], max_outputs=0, image_size=64, batch=4, repeats=10),
        '--max_outputs=',
    ),
    (
        'jaxdl.detection.benchmark',
        dict(sizes=['10'], max_outputs=10, image_size=15, batch=4, repeats=10),
        '--image_size=',
    ),
    (
        'jaxdl.detection.benchmark',
        dict(sizes=['10'], max_outputs=10, image_size=64, batch=0, repeats=10),
        '--batch=',
    ),
    (
        'jaxdl.detection.benchmark',
        dict(sizes=['10'], max_outputs=10, image_size=64, batch=4, repeats=0),
        '--repeats=',
    ),
    (
        'jaxdl.hparam.bench',
        dict(num_trials=0, num_steps=1, batch_size=1, repeats=1),
        '--num_trials=',
    ),
    (
        'jaxdl.hparam.bench',
        dict(num_trials=2, num_steps=0, batch_size=1, repeats=1),
        '--num_steps=',
    ),
    (
        'jaxdl.hparam.bench',
        dict(num_trials=2, num_steps=1, batch_size=0, repeats=1),
        '--batch_size=',
    ),
    ('jaxdl.hparam.bench', dict(num_trials=2, num_steps=1, batch_size=1, repeats=0), '--repeats='),
    (
        'jaxdl.bench.throughput',
        dict(models=['mlp', 'nope'], dataset='digits', batch_size=8, steps=1, num_devices=0),
        '--models=',
    ),
    (
        'jaxdl.bench.throughput',
        dict(models=['mlp'], dataset='mnist_online', batch_size=8, steps=1, num_devices=0),
        '--dataset=',
    ),
    (
        'jaxdl.bench.throughput',
        dict(models=['mlp'], dataset='digits', batch_size=0, steps=1, num_devices=0),
        '--batch_size=',
    ),
    (
        'jaxdl.bench.throughput',
        dict(models=['mlp'], dataset='digits', batch_size=8, steps=0, num_devices=0),
        '--steps=',
    ),
    (
        'jaxdl.bench.throughput',
        dict(models=['mlp'], dataset='digits', batch_size=8, steps=1, num_devices=-1),
        '--num_devices=',
    ),
    (
        'jaxdl.bench.throughput',
        dict(models=['mlp'], dataset='digits', batch_size=9, steps=1, num_devices=0),
        '--batch_size=',
    ),
    (
        'jaxdl.bench.torch_peer',
        dict(
            models=['lenet5', 'vit'],
            batch_size=8,
            steps=1,
            rounds=1,
            num_devices=0,
            cores=0,
            host_devices=0,
        ),
        '--models=',
    ),
    (
        'jaxdl.bench.torch_peer',
        dict(
            models=['lenet5'],
            batch_size=8,
            steps=1,
            rounds=0,
            num_devices=0,
            cores=0,
            host_devices=0,
        ),
        '--rounds=',
    ),
    (
        'jaxdl.bench.torch_peer',
        dict(
            models=['lenet5'],
            batch_size=8,
            steps=1,
            rounds=1,
            num_devices=0,
            cores=10**4,
            host_devices=0,
        ),
        '--cores=',
    ),
    (
        'jaxdl.bench.torch_peer',
        dict(
            models=['lenet5'],
            batch_size=8,
            steps=1,
            rounds=1,
            num_devices=0,
            cores=0,
            host_devices=-2,
        ),
        '--host_devices=',
    ),
]


@pytest.mark.parametrize(
    'module,kwargs,prefix', BAD_FLAGS, ids=[f'{m.rsplit(".", 1)[-1]}-{p}' for m, _, p in BAD_FLAGS]
)
def test_bench_flags_are_checked(module, kwargs, prefix):
  with pytest.raises(ConfigError) as e:
    importlib.import_module(module).check_flags(**kwargs)
  assert str(e.value).startswith(prefix), str(e.value)


def test_bench_default_flags_pass():
  from jaxdl.bench import throughput, torch_peer
  from jaxdl.detection import benchmark
  from jaxdl.hparam import bench

  assert benchmark.check_flags(['1000', '5000'], 100, 64, 4, 10) == [1000, 5000]
  bench.check_flags(num_trials=32, num_steps=300, batch_size=64, repeats=2)
  throughput.check_flags(['mlp', 'cnn'], 'digits', 128, 50, 0)
  torch_peer.check_flags(
      ['lenet5', 'lenet5_xla', 'cifar_resnet18'],
      batch_size=128,
      steps=10,
      rounds=3,
      num_devices=0,
      cores=0,
      host_devices=0,
  )


def _launch(*args):
  return subprocess.run(
      [sys.executable, *args],
      cwd=ROOT,
      capture_output=True,
      text=True,
      env={**os.environ, 'PYTHONPATH': str(ROOT)},
      timeout=300,
  )


@pytest.mark.parametrize(
    'launcher,flag,prefix',
    [
        (
            'translate',
            '--config.optimizer.learning_rate=-0.003',
            'error: config.optimizer.learning_rate=-0.003: ',
        ),
        (
            'detect',
            '--config.evaluation.nms_iou_threshold=1.5',
            'error: config.evaluation.nms_iou_threshold=1.5: ',
        ),
    ],
)
def test_launcher_prints_one_line_and_exits_non_zero(launcher, flag, prefix, tmp_path):
  r = _launch(
      f'launch/{launcher}.py',
      f'--config=launch/configs/{launcher}.py:smoke',
      f'--workdir={tmp_path}',
      flag,
  )
  assert r.returncode != 0
  assert 'Traceback' not in r.stderr, r.stderr[-3000:]
  assert r.stderr.strip().splitlines()[-1].startswith(prefix), r.stderr[-3000:]
  assert not (tmp_path / 'checkpoints').exists()  # nothing ran


def test_error_analysis_without_flags_says_what_is_required():
  r = _launch('launch/error_analysis.py')  # fails before it creates its default workdir
  assert r.returncode != 0
  assert 'Traceback' not in r.stderr, r.stderr[-3000:]
  last = r.stderr.strip().splitlines()[-1]
  assert last.startswith("error: config.source_workdir='': required"), last


def test_bench_launcher_flag_error_is_one_line():
  r = _launch('launch/benchmark.py', '--steps=0')
  assert r.returncode != 0
  assert 'Traceback' not in r.stderr, r.stderr[-3000:]
  assert r.stderr.strip().splitlines()[-1] == 'error: --steps=0: must be >= 1'


CONFIG_LAUNCHERS = sorted([*EXPERIMENTS, 'train', 'char_lm', 'metrics', 'conv_nd'])


@pytest.mark.parametrize('launcher', CONFIG_LAUNCHERS)
def test_unknown_config_override_names_the_nearest_fields(launcher, capsys):
  from jaxdl.cli import check_config_overrides

  default = f'launch/configs/{launcher}.py'
  real = next(k for k in _flat(load_config(default)) if '.' not in k)
  with pytest.raises(SystemExit) as e:
    check_config_overrides(['prog', f'--config.{real}x=1'], default)
  assert str(e.value).startswith(
      f'error: unknown config field --config.{real}x; nearest: ' f'--config.{real}'
  ), e.value
  check_config_overrides(['prog', f'--config.{real}=1'], default)  # a real field passes


def _flat(config):
  from jaxdl.train.workdir import flatten

  return flatten(config)


def test_every_config_launcher_defines_its_flag_through_the_checked_helper():
  # config_flags.DEFINE_config_file alone would turn a typo into a KeyError traceback.
  for launcher in CONFIG_LAUNCHERS:
    source = ''.join((ROOT / 'launch' / f'{launcher}.py').read_text().split())  # layout-free
    assert 'DEFINE_config_file' not in source, launcher
    # experiment_main defines --config with define_config.
    assert (
        f"define_config('launch/configs/{launcher}.py'" in source
        or f"experiment_main('launch/configs/{launcher}.py'" in source
    ), launcher


def test_every_launcher_runs_the_experiment_module_of_its_name():
  # jaxdl/cli.py's naming rule: launch/<name>.py runs jaxdl/<topic>/<name>_experiment.py,
  # and every such module has a launcher.
  modules = {p.stem[: -len('_experiment')]: p for p in (ROOT / 'jaxdl').glob('*/*_experiment.py')}
  assert sorted(modules) == CONFIG_LAUNCHERS
  for launcher, path in modules.items():
    module_name = f'jaxdl.{path.parent.name}.{path.stem}'
    source = ''.join((ROOT / 'launch' / f'{launcher}.py').read_text().split())  # layout-free
    assert f"'{module_name}:run'" in source, launcher
    module = importlib.import_module(module_name)
    assert callable(module.run) and callable(module.report), module_name


def test_unknown_config_override_is_one_line_from_the_launcher(tmp_path):
  r = _launch('launch/detect.py', f'--workdir={tmp_path}', '--config.optimizr.learning_rate=1')
  assert r.returncode != 0
  assert 'Traceback' not in r.stderr, r.stderr[-3000:]
  assert (
      r.stderr.strip()
      .splitlines()[-1]
      .startswith(
          'error: unknown config field --config.optimizr.learning_rate; nearest: '
          '--config.optimizer.learning_rate'
      )
  ), r.stderr[-3000:]
