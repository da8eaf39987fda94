"""Face verification and one-shot experiment (notes 4.12-4.13), end to end.

1. Identities: a labelled pool is cut by identity (held-out classes never
   trained on) into train / dev (unseen images of training identities) / test.
2. The Siamese encoder is trained with the mined triplet loss by the core's
   `train_and_evaluate` (checkpoints, curves, early stopping, NaN stop).
3. Every split is embedded; verification (dev-chosen threshold, logistic
   regression on |f(x1) - f(x2)|) and N-way one-shot accuracy are measured on
   the held-out identities, beside the same measurements for an untrained
   (random-weight) encoder and for raw pixels, on identical pairs and episodes.
4. A PNG of a 2-D PCA projection of the test embeddings, the table as
   Markdown, and TensorBoard scalars go to the workdir.
"""

import dataclasses
import functools
import importlib
import os

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl import experiment_checks as checks
from jaxdl.data.dataset import Dataset, DatasetInfo, Split
from jaxdl.data.digits import resize_bilinear
from jaxdl.data.registry import EMBEDDED
from jaxdl.data.tfds_source import load_tfds
from jaxdl.embedding import identities, oneshot, verification
from jaxdl.embedding.task import triplet_task
from jaxdl.embedding.triplet import MINING_MODES
from jaxdl.train.config_check import require, require_choice, require_int, require_range
from jaxdl.train import steps as steps_lib
from jaxdl.viz.summaries import SummaryWriter


@dataclasses.dataclass
class VerificationResult:
  """What `run` returns: the table, its rows, and the training run."""

  rows: dict[str, dict[str, float]]  # method -> metric -> value
  table: str  # Markdown
  train_table: str  # the core's per-split table of the triplet training
  projection_png: str  # path of the 2-D projection plot


def check_config(config) -> None:
  """Every field of launch/configs/face_verification.py; raises ConfigError before any data.

  What depends on the data (held-out identities present, n_way within the
  held-out ones) is checked by `check_identities` once the pool is loaded.
  """
  require(
      isinstance(config.dataset, str) and bool(config.dataset),
      'dataset',
      config.dataset,
      f'must name an embedded dataset ({", ".join(sorted(EMBEDDED))}) '
      'or a TFDS one with identity labels (omniglot, lfw)',
  )
  idc = config.identities
  held = tuple(idc.held_out)
  require(
      all(isinstance(c, int) and not isinstance(c, bool) for c in held)
      and len(set(held)) == len(held),
      'identities.held_out',
      held,
      'must be () or distinct identity labels (ints)',
  )
  require_range(
      'identities.held_out_fraction', idc.held_out_fraction, 0, 1, low_open=True, high_open=True
  )
  require_range('identities.dev_fraction', idc.dev_fraction, 0, 1, low_open=True, high_open=True)
  require_int('identities.max_identities', idc.max_identities, 0)
  require(
      idc.max_identities == 0 or idc.max_identities >= 2,
      'identities.max_identities',
      idc.max_identities,
      'must be 0 (all) or >= 2: one trained and one held out',
  )
  require_int('identities.image_size', idc.image_size, 0)
  require(
      isinstance(idc.grayscale, bool),
      'identities.grayscale',
      idc.grayscale,
      'must be True or False',
  )
  require_choice('triplet.mining', config.triplet.mining, MINING_MODES)
  require_range('triplet.alpha', config.triplet.alpha, 0)
  ev = config.evaluation
  require(
      isinstance(ev.n_pairs, int) and ev.n_pairs >= 2 and ev.n_pairs % 2 == 0,
      'evaluation.n_pairs',
      ev.n_pairs,
      'must be an even number >= 2 (half same-identity)',
  )
  n_way = tuple(ev.n_way)
  require(
      bool(n_way) and all(isinstance(n, int) and n >= 2 for n in n_way),
      'evaluation.n_way',
      n_way,
      'must be a non-empty sequence of whole numbers >= 2',
  )
  if held:
    require(
        max(n_way) <= len(held),
        'evaluation.n_way',
        n_way,
        f'must be <= the {len(held)} held-out identities (identities.held_out)',
    )
  require_int('evaluation.n_episodes', ev.n_episodes, 1)
  require_range('evaluation.logreg_l2', ev.logreg_l2, 0)
  require_choice('evaluation.logreg_pairs', ev.logreg_pairs, ('dev', 'train'))
  require_int('evaluation.seed', ev.seed, 0)
  require_choice('model', config.model, ('embedding_net',))
  checks.check_model_kwargs(config.model_kwargs, checks.model_class(config.model))
  checks.check_core_fields(config)


def check_identities(config, labels: np.ndarray, held: list[int], test_labels: np.ndarray):
  """The checks that need the loaded pool; raises ConfigError before training."""
  present = set(np.unique(labels).tolist())
  unknown = sorted(set(held) - present)
  require(
      not unknown,
      'identities.held_out',
      tuple(config.identities.held_out),
      f'labels {unknown} are not identities of {config.dataset} '
      f'(its labels: {min(present)}..{max(present)})',
  )
  require(
      set(held) != present,
      'identities.held_out',
      tuple(config.identities.held_out),
      'leaves no identity for training',
  )
  ids, counts = np.unique(test_labels, return_counts=True)
  eligible = int((counts >= 2).sum())
  require(
      max(config.evaluation.n_way) <= eligible,
      'evaluation.n_way',
      tuple(config.evaluation.n_way),
      f'must be <= the {eligible} held-out identities ' 'with >= 2 images',
  )


def load_identity_pool(
    name: str,
    seed: int = 0,
    image_size: int = 0,
    grayscale: bool = False,
    data_dir: str | None = None,
    allow_download: bool = True,
) -> tuple[Split, list[int] | None]:
  """All labelled images of a dataset, plus held-out identities if it defines them.

  Args:
    name: an embedded dataset name (jaxdl.data.registry.EMBEDDED, e.g.
      'digits') or a TFDS name with identity labels ('omniglot', 'lfw').
    seed: passed to the loader.
    image_size: resize to image_size x image_size (bilinear); 0 keeps the size.
    grayscale: average the channels to one.
    data_dir, allow_download: TFDS data directory and download permission.

  Returns:
    (pool {'image': [n, H, W, C] float32, 'label': [n] int32}, held_out): for
    TFDS sets whose 'test' identities are disjoint from 'train' ones (Omniglot's
    evaluation alphabets) held_out lists them; otherwise None.
  """
  if name in EMBEDDED:
    module, fn = EMBEDDED[name].split(':')
    raw, _ = getattr(importlib.import_module(module), fn)(seed)
  else:  # online: may download; raises DatasetUnavailableError offline
    raw, _ = load_tfds(name, data_dir=data_dir, allow_download=allow_download, embedded=EMBEDDED)
  parts = [raw[k] for k in ('all', 'train', 'dev', 'test') if k in raw]
  held_out = None
  if 'train' in raw and 'test' in raw:
    train_ids, test_ids = set(np.unique(raw['train']['label'])), set(
        np.unique(raw['test']['label'])
    )
    if not train_ids & test_ids:
      held_out = sorted(int(c) for c in test_ids)
  images = np.concatenate([p['image'] for p in parts]).astype(np.float32)
  labels = np.concatenate([p['label'] for p in parts])
  if labels.dtype.kind in 'SUO':  # LFW labels are names: map to integers
    labels = np.unique(labels, return_inverse=True)[1]
  if grayscale and images.shape[-1] > 1:
    images = images.mean(axis=-1, keepdims=True)
  if image_size:
    images = resize_bilinear(images, image_size)
  return {'image': images, 'label': labels.astype(np.int32)}, held_out


def make_identity_dataset(config) -> Dataset:
  """The train/dev/test identity splits named by config.identities."""
  idc = config.identities
  pool, predefined = load_identity_pool(
      config.dataset,
      config.seed,
      idc.image_size,
      idc.grayscale,
      config.data.get('data_dir') or None,
      config.data.get('allow_download', True),
  )
  if idc.get('max_identities', 0):  # a subset of identities, for quick runs
    keep = np.isin(pool['label'], np.unique(pool['label'])[: idc.max_identities])
    pool = {k: v[keep] for k, v in pool.items()}
    if predefined is not None:
      predefined = [c for c in predefined if c in set(pool['label'].tolist())] or None
  held = list(idc.held_out)
  if not held:
    if predefined is not None:
      held = predefined
    else:  # a random share of identities, for sets like LFW with thousands
      ids = np.unique(pool['label'])
      n = max(1, int(round(idc.held_out_fraction * len(ids))))
      held = np.random.default_rng(config.seed).choice(ids, n, replace=False).tolist()
  check_identities(
      config, pool['label'], [int(c) for c in held], pool['label'][np.isin(pool['label'], held)]
  )
  splits = identities.split_by_identity(pool, held, idc.dev_fraction, config.seed)
  info = DatasetInfo(
      num_classes=None, description=f'{config.dataset} identities, ' f'{len(held)} held out'
  )
  return Dataset(name=f'{config.dataset}_identities', splits=splits, info=info)


@functools.lru_cache(maxsize=8)
def _embed_fn(task):
  """One jitted predict per task, so every split and both encoders share a compile."""
  return jax.jit(functools.partial(steps_lib.predict, task=task))


def embed_split(state, task, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
  """[n, dim] embeddings in fixed-size padded chunks (one compile)."""
  fn = _embed_fn(task)
  out = []
  for start in range(0, len(images), batch_size):
    chunk = images[start : start + batch_size]
    n = len(chunk)
    if n < batch_size:
      chunk = np.concatenate([chunk, np.zeros((batch_size - n,) + chunk.shape[1:], chunk.dtype)])
    out.append(np.asarray(fn(state, jnp.asarray(chunk)))[:n])
  return np.concatenate(out)


def measure(emb: dict[str, np.ndarray], splits: dict[str, Split], ev) -> dict[str, float]:
  """Verification and one-shot metrics of one embedding on fixed pairs/episodes."""
  if ev.logreg_pairs not in ('dev', 'train'):
    raise ValueError(
        f"config.evaluation.logreg_pairs must be 'dev' or 'train', got " f'{ev.logreg_pairs!r}'
    )

  def pairs(name, seed):
    i, j, same = identities.sample_pairs(splits[name]['label'], ev.n_pairs, seed)
    return emb[name][i], emb[name][j], same

  rep = verification.verification_report(
      pairs('dev', ev.seed),
      pairs('test', ev.seed + 1),
      pairs('train', ev.seed + 2) if ev.logreg_pairs == 'train' else None,
      l2=ev.logreg_l2,
  )
  for n_way in ev.n_way:
    s, q = oneshot.sample_episodes(splits['test']['label'], n_way, ev.n_episodes, ev.seed)
    rep[f'one_shot_{n_way}way_acc'], rep[f'one_shot_{n_way}way_se'] = oneshot.one_shot_accuracy(
        emb['test'], s, q
    )
  return rep


def format_table(rows: dict[str, dict[str, float]], n_ways) -> str:
  """Markdown: one row per embedding, test-identity metrics."""
  shot = ''.join(f' {n}-way one-shot acc |' for n in n_ways)
  lines = [
      f'| embedding | threshold acc | distance AUC | logreg acc | logreg AUC |{shot}',
      '|---|---:|---:|---:|---:|' + '---:|' * len(n_ways),
  ]
  for name, r in rows.items():
    shots = ''.join(
        f' {100 * r[f"one_shot_{n}way_acc"]:.1f}% ± {100 * r[f"one_shot_{n}way_se"]:.1f} |'
        for n in n_ways
    )
    lines.append(
        f'| {name} | {100 * r["threshold_acc"]:.1f}% | {r["distance_auc"]:.3f} | '
        f'{100 * r["logreg_acc"]:.1f}% | {r["logreg_auc"]:.3f} |{shots}'
    )
  lines.append(
      '| chance | 50.0% | 0.500 | 50.0% | 0.500 |' + ''.join(f' {100 / n:.1f}% |' for n in n_ways)
  )
  return '\n'.join(lines)


def plot_projection(
    emb: np.ndarray, labels: np.ndarray, path: str, title: str, max_identities: int = 10
) -> None:
  """Scatter of the first two principal components, coloured by identity.

  PCA is fitted on the plotted identities only (at most max_identities, the
  lowest labels), so the two axes are spent on separating those.
  """
  import matplotlib

  matplotlib.use('Agg')
  import matplotlib.pyplot as plt

  ids = np.unique(labels)[:max_identities]
  sel = np.isin(labels, ids)
  emb, labels = emb[sel], labels[sel]
  centred = emb - emb.mean(0)
  _, _, vt = np.linalg.svd(centred, full_matrices=False)
  xy = centred @ vt[:2].T
  fig, ax = plt.subplots(figsize=(5, 5))
  for k in ids:
    ax.scatter(xy[labels == k, 0], xy[labels == k, 1], s=10, label=str(k))
  ax.set_xlabel('PC 1'), ax.set_ylabel('PC 2'), ax.set_title(title)
  ax.legend(fontsize=7, markerscale=2, title='identity')
  fig.tight_layout()
  fig.savefig(path, dpi=100)
  plt.close(fig)


def run(config, workdir: str) -> VerificationResult:
  """Trains the embedding and writes the verification / one-shot table.

  Args:
    config: see launch/configs/face_verification.py.
    workdir: outputs (checkpoints, TensorBoard, curves, table, projection PNG).
  """
  from jaxdl.train.loop import train_and_evaluate  # heavy import, after flags
  from jaxdl.train.state import create_train_state
  from jaxdl.models.registry import build_model
  from jaxdl.train import precision
  from jaxdl.optim.factory import make_optimizer

  check_config(config)
  dataset = make_identity_dataset(config)
  task = triplet_task(config.triplet.mining, config.triplet.alpha)
  result = train_and_evaluate(config, workdir, dataset=dataset, task=task)
  ev = config.evaluation
  splits = dataset.splits
  trained = {k: embed_split(result.state, task, v['image']) for k, v in splits.items()}
  # Baseline: the same architecture with its random initial weights.
  model = build_model(
      config.model, None, dtype=precision.model_dtype(config), **config.model_kwargs
  )
  x0 = jnp.zeros((1,) + splits['train']['image'].shape[1:], jnp.float32)
  untrained = create_train_state(
      model,
      make_optimizer(config.optimizer, 1, 1),
      x0,
      jax.random.key(config.seed + 1),
      result.state.input_stats,
  )
  random_emb = {k: embed_split(untrained, task, v['image']) for k, v in splits.items()}
  pixels = {k: v['image'].reshape(len(v['image']), -1) for k, v in splits.items()}
  rows = {
      'trained (triplet, ' + config.triplet.mining + ')': measure(trained, splits, ev),
      'untrained encoder (random weights)': measure(random_emb, splits, ev),
      'raw pixels': measure(pixels, splits, ev),
  }
  table = format_table(rows, tuple(ev.n_way))
  png = os.path.join(workdir, 'test_embeddings_pca.png')
  if jax.process_index() == 0:
    plot_projection(
        trained['test'], splits['test']['label'], png, 'held-out identities: trained embedding, PCA'
    )
    with open(os.path.join(workdir, 'verification.md'), 'w') as f:
      f.write(table + '\n')
    writer = SummaryWriter(workdir)
    for name, r in rows.items():
      tag = name.split(' ')[0]
      writer.scalars(int(result.state.step), {f'verification/{tag}/{k}': v for k, v in r.items()})
    writer.close()
  return VerificationResult(rows=rows, table=table, train_table=result.table, projection_png=png)


def report(result: VerificationResult, workdir: str) -> str:
  """What launch/face_verification.py prints: training, held-out table, the PNG."""
  del workdir  # the PNG's path says where
  return '\n'.join(
      [
          'triplet training (error = in-batch nearest-neighbour misidentification):',
          result.train_table,
          '\nheld-out identities (never seen in training):',
          result.table,
          f'\n2-D projection of test embeddings: {result.projection_png}',
      ]
  )
