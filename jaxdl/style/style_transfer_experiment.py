"""Style-transfer run: images in, generated image and cost curves out (notes 4.14).

Writes to the workdir: content.png, style.png, generated.png (and
generated_step{N}.png snapshots), panel.png (C | S | G side by side),
cost_curve.png (J, J_content, J_style, TV per step, log scale), TensorBoard
scalars and images, and results.md with the before/after costs.
"""

import dataclasses
import os

import jax
import jax.numpy as jnp
import numpy as np
import optax
from absl import logging

from jaxdl import experiment_checks as checks
from jaxdl.models.zoo.vgg import vgg_layer_names
from jaxdl.style import images, transfer
from jaxdl.style.vgg_weights import VGG19_STAGES
from jaxdl.train.config_check import require, require_choice, require_int, require_range
from jaxdl.viz.summaries import SummaryWriter


@dataclasses.dataclass
class StyleRunResult:
  """What `run` returns."""

  generated_png: str  # path of the generated image
  table: str  # Markdown costs table
  result: transfer.TransferResult
  reference: dict[str, dict[str, float]]  # costs of G = C, G = S and the generated G
  extractor_description: str  # where the VGG weights came from, in words


def _plot_costs(history: dict[str, np.ndarray], path: str) -> None:
  import matplotlib

  matplotlib.use('Agg')
  import matplotlib.pyplot as plt

  fig, ax = plt.subplots(figsize=(6, 4))
  for name, values in history.items():
    if np.any(values > 0):
      ax.semilogy(np.arange(1, len(values) + 1), values, label=name)
  ax.set_xlabel('optimisation step'), ax.set_ylabel('cost (log scale)')
  ax.set_title('J = alpha J_content + beta J_style (+ tv TV)')
  ax.legend()
  fig.tight_layout()
  fig.savefig(path, dpi=100)
  plt.close(fig)


def _panel(c, s, g, path):
  import matplotlib

  matplotlib.use('Agg')
  import matplotlib.pyplot as plt

  fig, axes = plt.subplots(1, 3, figsize=(12, 4))
  for ax, im, title in zip(axes, (c, s, g), ('content C', 'style S', 'generated G')):
    ax.imshow(np.clip(im, 0, 1)), ax.set_title(title), ax.axis('off')
  fig.tight_layout()
  fig.savefig(path, dpi=100)
  plt.close(fig)


def make_optimizer(cfg) -> optax.GradientTransformation:
  """Pixel optimiser from config.optimizer (name 'adam' | 'sgd', learning_rate)."""
  if cfg.name == 'adam':
    return optax.adam(cfg.learning_rate)
  if cfg.name == 'sgd':
    return optax.sgd(cfg.learning_rate, momentum=cfg.get('momentum', 0.0) or None)
  raise ValueError(f"config.optimizer.name must be 'adam' or 'sgd', got {cfg.name!r}")


LAYERS = vgg_layer_names(VGG19_STAGES, include_top=False)  # conv1_1 ... pool5


def _halvings(layer: str) -> int:
  """2x2 pools before the layer's output: convK_i after K - 1 of them, poolK after K."""
  return int(layer[4]) - (0 if layer.startswith('pool') else 1)


def check_config(config) -> None:
  """Every field of launch/configs/style_transfer.py; raises ConfigError before any compute."""
  require_int('seed', config.seed)
  for field in ('content', 'style'):
    value = config[field]
    require(
        value in images.EMBEDDED_IMAGES or (isinstance(value, str) and os.path.isfile(value)),
        field,
        value,
        f'must be {" or ".join(images.EMBEDDED_IMAGES)} (embedded) or an ' 'existing image file',
    )
  require_int('max_side', config.max_side, 0)
  if config.weights_path:
    checks.require_file(
        'weights_path',
        config.weights_path,
        "Keras .h5 or torchvision .npz file ('' = random weights)",
    )
  require_choice('pool', config.pool, ('avg', 'max'))
  widths = tuple(config.widths)
  require(
      not widths
      or (len(widths) == len(VGG19_STAGES) and all(isinstance(w, int) and w >= 1 for w in widths)),
      'widths',
      widths,
      f"must be () (VGG-19's) or {len(VGG19_STAGES)} whole numbers >= 1, one per stage",
  )
  require(
      not (widths and config.weights_path),
      'widths',
      widths,
      "must be () with weights_path: pretrained weights have VGG-19's widths",
  )
  scales = tuple(config.scales)
  require(
      1 in scales and all(isinstance(s, int) and s >= 1 for s in scales),
      'scales',
      scales,
      'must be whole numbers >= 1 including 1',
  )
  require_choice('content_layer', config.content_layer, LAYERS)
  style_layers = tuple(config.style_layers)
  checks.require_names('style_layers', style_layers, LAYERS)
  lam = tuple(config.style_layer_weights)
  require(
      not lam
      or (
          len(lam) == len(style_layers)
          and all(isinstance(v, (int, float)) and v >= 0 for v in lam)
          and sum(lam) > 0
      ),
      'style_layer_weights',
      lam,
      f'must be () (equal) or {len(style_layers)} numbers >= 0, ' 'one per style layer, not all 0',
  )
  for field in ('alpha', 'beta', 'tv_weight'):
    require_range(field, config[field], 0)
  opt = config.optimizer
  require_choice('optimizer.name', opt.name, ('adam', 'sgd'))
  require_range('optimizer.learning_rate', opt.learning_rate, 0, low_open=True)
  if 'momentum' in opt:
    require_range('optimizer.momentum', opt.momentum, 0, 1, high_open=True)
  require_int('num_steps', config.num_steps, 1)
  require_int('log_every_steps', config.log_every_steps, 1)
  require_int('snapshot_every', config.snapshot_every, 0)
  require_choice('init', config.init, ('content', 'noise'))
  require_range('init_noise', config.init_noise, 0)


def check_image_size(config, content: np.ndarray) -> None:
  """The deepest layer must still have a pixel at the coarsest scale."""
  scales = tuple(config.scales) if not config.weights_path else (1,)
  layers = (config.content_layer, *config.style_layers)
  deepest = max(layers, key=_halvings)
  need = 2 ** _halvings(deepest) * max(scales)
  side = min(content.shape[:2])
  require(
      side >= need,
      'max_side',
      config.max_side,
      f'gives a {content.shape[1]}x{content.shape[0]} content image; {deepest} at scale '
      f'{max(scales)} needs a shorter side >= {need} pixels',
  )


def run(config, workdir: str) -> StyleRunResult:
  """Stylises config.content with config.style; see launch/configs/style_transfer.py."""
  check_config(config)
  content = images.load_image(config.content, config.max_side)
  check_image_size(config, content)
  os.makedirs(workdir, exist_ok=True)
  style = images.resize(images.load_image(config.style), content.shape[:2])
  scales = tuple(config.scales) if not config.weights_path else (1,)
  layers = sorted(set([config.content_layer, *config.style_layers]))
  extractor = transfer.make_extractor(
      layers, config.weights_path, config.pool, scales, config.seed, tuple(config.widths) or None
  )
  lam = tuple(config.style_layer_weights) or (1.0 / len(config.style_layers),) * len(
      config.style_layers
  )
  style_weights = transfer.expand_style_weights(dict(zip(config.style_layers, lam)), scales)
  writer = SummaryWriter(workdir)
  main = jax.process_index() == 0

  def callback(step, g, last):
    logging.info(
        'step %d/%d  J %.4g  J_content %.4g  J_style %.4g  TV %.4g',
        step,
        config.num_steps,
        last['total'],
        last['content'],
        last['style'],
        last['tv'],
    )
    writer.scalars(step, {f'cost/{k}': v for k, v in last.items()})
    writer.image(step, 'generated', g)
    if main and config.snapshot_every and step % config.snapshot_every == 0:
      images.save_image(os.path.join(workdir, f'generated_step{step}.png'), g)

  result = transfer.stylize(
      content,
      style,
      extractor.features,
      extractor.params,
      content_layer=config.content_layer,
      style_weights=style_weights,
      alpha=config.alpha,
      beta=config.beta,
      tv_weight=config.tv_weight,
      optimizer=make_optimizer(config.optimizer),
      num_steps=config.num_steps,
      chunk=config.log_every_steps,
      init=config.init,
      init_noise=config.init_noise,
      seed=config.seed,
      callback=callback,
  )
  writer.close()
  # Scale references: the costs of G = C (where the optimisation starts) and G = S.
  cost_terms, targets = transfer.make_cost_fn(
      content,
      style,
      extractor.features,
      extractor.params,
      config.content_layer,
      style_weights,
      config.alpha,
      config.beta,
      config.tv_weight,
  )
  cost_fn = jax.jit(cost_terms)
  rows = {
      name: cost_fn(jnp.asarray(img), extractor.params, targets)
      for name, img in (
          ('G = C (content image)', content),
          ('G = S (style image)', style),
          ('G generated', result.image),
      )
  }
  lines = ['| image | J_content(C, G) | J_style(S, G) | TV(G) | J |', '|---|---:|---:|---:|---:|']
  reference = {}
  for name, (j, (jc, js, tv)) in rows.items():
    lines.append(
        f'| {name} | {float(jc):.4g} | {float(js):.4g} | {float(tv):.4g} | {float(j):.4g} |'
    )
    reference[name] = {'content': float(jc), 'style': float(js), 'tv': float(tv), 'total': float(j)}
  table = '\n'.join(lines) + f'\n\nfeatures: {extractor.description}\n'
  gen_png = os.path.join(workdir, 'generated.png')
  if main:
    images.save_image(os.path.join(workdir, 'content.png'), content)
    images.save_image(os.path.join(workdir, 'style.png'), style)
    images.save_image(gen_png, result.image)
    _panel(content, style, result.image, os.path.join(workdir, 'panel.png'))
    _plot_costs(result.history, os.path.join(workdir, 'cost_curve.png'))
    with open(os.path.join(workdir, 'results.md'), 'w') as f:
      f.write(table)
  return StyleRunResult(
      generated_png=gen_png,
      table=table,
      result=result,
      reference=reference,
      extractor_description=extractor.description,
  )


def report(result: StyleRunResult, workdir: str) -> str:
  """What launch/style_transfer.py prints: the cost table, the images."""
  return '\n'.join(
      [
          result.table,
          f'generated image: {result.generated_png}',
          f'content.png, style.png, panel.png, cost_curve.png and TensorBoard events in {workdir}',
      ]
  )
