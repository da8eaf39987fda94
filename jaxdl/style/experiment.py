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

from jaxdl.style import images, transfer
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


def run(config, workdir: str) -> StyleRunResult:
  """Stylises config.content with config.style; see launch/configs/style_transfer.py."""
  os.makedirs(workdir, exist_ok=True)
  content = images.load_image(config.content, config.max_side)
  style = images.resize(images.load_image(config.style), content.shape[:2])
  scales = tuple(config.scales) if not config.weights_path else (1,)
  layers = sorted(set([config.content_layer, *config.style_layers]))
  extractor = transfer.make_extractor(layers, config.weights_path, config.pool, scales,
                                      config.seed, tuple(config.widths) or None)
  if len(config.style_layer_weights) not in (0, len(config.style_layers)):
    raise ValueError(f'config.style_layer_weights must be empty (equal weights) or match '
                     f'config.style_layers ({len(config.style_layers)} entries), got '
                     f'{tuple(config.style_layer_weights)}')
  lam = tuple(config.style_layer_weights) or (1.0 / len(config.style_layers),) * len(
      config.style_layers)
  style_weights = transfer.expand_style_weights(dict(zip(config.style_layers, lam)), scales)
  writer = SummaryWriter(workdir)
  main = jax.process_index() == 0

  def callback(step, g, last):
    logging.info('step %d/%d  J %.4g  J_content %.4g  J_style %.4g  TV %.4g', step,
                 config.num_steps, last['total'], last['content'], last['style'], last['tv'])
    writer.scalars(step, {f'cost/{k}': v for k, v in last.items()})
    writer.image(step, 'generated', g)
    if main and config.snapshot_every and step % config.snapshot_every == 0:
      images.save_image(os.path.join(workdir, f'generated_step{step}.png'), g)

  result = transfer.stylize(
      content, style, extractor.features, extractor.params, content_layer=config.content_layer,
      style_weights=style_weights, alpha=config.alpha, beta=config.beta,
      tv_weight=config.tv_weight, optimizer=make_optimizer(config.optimizer),
      num_steps=config.num_steps, chunk=config.log_every_steps, init=config.init,
      init_noise=config.init_noise, seed=config.seed, callback=callback)
  writer.close()
  # Scale references: the costs of G = C (where the optimisation starts) and G = S.
  cost_terms, targets = transfer.make_cost_fn(
      content, style, extractor.features, extractor.params, config.content_layer, style_weights,
      config.alpha, config.beta, config.tv_weight)
  cost_fn = jax.jit(cost_terms)
  rows = {name: cost_fn(jnp.asarray(img), extractor.params, targets) for name, img in (
      ('G = C (content image)', content), ('G = S (style image)', style),
      ('G generated', result.image))}
  lines = ['| image | J_content(C, G) | J_style(S, G) | TV(G) | J |', '|---|---:|---:|---:|---:|']
  reference = {}
  for name, (j, (jc, js, tv)) in rows.items():
    lines.append(f'| {name} | {float(jc):.4g} | {float(js):.4g} | {float(tv):.4g} | {float(j):.4g} |')
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
  return StyleRunResult(generated_png=gen_png, table=table, result=result,
                        reference=reference, extractor_description=extractor.description)
