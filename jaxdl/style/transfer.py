"""Neural style transfer by optimising the generated image G (notes 4.14).

  J(G) = alpha J_content(C, G) + beta J_style(S, G) (+ tv_weight TV(G))

G starts from the content image (or noise) and is updated by an optax
optimiser; many steps run inside one jitted `lax.scan`, and the image is
projected back to [0, 1] after each step. Features come from VGG-19
(jaxdl.models.zoo.vgg) with Gatys et al.'s layer choice by default: content at
conv4_2, style at conv1_1, conv2_1, conv3_1, conv4_1, conv5_1 with equal
weights, and average pooling.

Weights: a local pretrained file (see jaxdl.style.vgg_weights). Without one
(the offline default), the network keeps its random He-normal initial
weights. Random convolutional features still measure local colour and
texture statistics, so G visibly takes on S's palette and fine texture, but
they do not encode objects: do not expect the semantic, painterly result of
pretrained VGG-19. To give the random features a wider view, the fallback
also computes them on 2x and 4x downsampled copies of the image
(multi-scale, `scales`).
"""

import dataclasses
import functools
from typing import Any, Callable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdl.models.zoo.vgg import VGG19
from jaxdl.style import costs, vgg_weights

GATYS_CONTENT_LAYER = 'conv4_2'
GATYS_STYLE_WEIGHTS = {
    'conv1_1': 0.2,
    'conv2_1': 0.2,
    'conv3_1': 0.2,
    'conv4_1': 0.2,
    'conv5_1': 0.2,
}

# (params, image [H, W, 3] in [0, 1]) -> {name: [h, w, c]}. The weights are an
# argument, not a closure constant: 20M constants folded into every XLA
# program make compiles slow and memory-hungry.
FeatureFn = Callable[[Any, jax.Array], dict[str, jax.Array]]


@dataclasses.dataclass(frozen=True)
class Extractor:
  """A feature function, its weights, and a plain-words account of where they came from."""

  features: FeatureFn
  params: Any
  pretrained: bool
  description: str


def _downsample(image: jax.Array, factor: int) -> jax.Array:
  if factor == 1:
    return image
  h, w, c = image.shape
  h2, w2 = h // factor, w // factor
  return image[: h2 * factor, : w2 * factor].reshape(h2, factor, w2, factor, c).mean(axis=(1, 3))


def make_extractor(
    layers: Sequence[str],
    weights_path: str = '',
    pool: str = 'avg',
    scales: Sequence[int] = (1,),
    seed: int = 0,
    widths: Sequence[int] | None = None,
) -> Extractor:
  """VGG-19 activations of named layers, optionally at several scales.

  Args:
    layers: layer names to return (conv1_1 ... conv5_4, pool1 ... pool5).
    weights_path: '' for random weights (offline fallback), or a Keras .h5 /
      torchvision .npz file (see jaxdl.style.vgg_weights).
    pool: 'avg' (Gatys' choice for synthesis) or 'max'.
    scales: downsampling factors; scale s > 1 adds entries named
      '{layer}@{s}' computed on the image average-pooled by s.
    seed: PRNG seed of the random weights.
    widths: channel widths per stage (None: VGG-19's 64 ... 512); smaller
      widths make fast test variants of the random fallback.

  Returns:
    Extractor whose `features(params, image [H, W, 3] in [0, 1])` returns
    {name: [h, w, c]}; call it with `extractor.params`.
  """
  if any(s < 1 for s in scales) or 1 not in scales:
    raise ValueError(f'scales must be integers >= 1 and include 1, got {tuple(scales)}')
  kwargs = {} if widths is None else {'widths': tuple(widths)}
  model = VGG19(include_top=False, pool=pool, **kwargs)
  if weights_path:
    params, mode = vgg_weights.load_vgg_params(weights_path)
    params = {k: v for k, v in params.items() if k.startswith('conv')}
    variables = {'params': jax.tree.map(jnp.asarray, params)}
    description = f'pretrained VGG-19 weights from {weights_path} ({mode} preprocessing)'
    pretrained = True
  else:
    mode = 'torch'  # centred inputs suit random zero-mean filters too
    variables = jax.jit(model.init)(jax.random.key(seed), jnp.zeros((1, 32, 32, 3)))
    description = (
        'RANDOM VGG-19 weights (no weights file given): features capture colour '
        'and local texture statistics only, not objects; the result is a '
        'texture/palette transfer, not the pretrained-VGG painting effect'
    )
    pretrained = False
  layers = tuple(layers)

  @jax.jit
  def features(variables, image: jax.Array) -> dict[str, jax.Array]:
    out = {}
    for s in scales:
      x = vgg_weights.preprocess(_downsample(image, s), mode)[None]
      acts = model.apply(variables, x, capture=layers)
      suffix = '' if s == 1 else f'@{s}'
      out.update({f'{name}{suffix}': a[0] for name, a in acts.items()})
    return out

  return Extractor(
      features=features, params=variables, pretrained=pretrained, description=description
  )


def expand_style_weights(style_weights: Mapping[str, float], scales: Sequence[int]) -> dict:
  """Repeats each style layer's weight at every scale, split equally."""
  return {
      f'{l}{"" if s == 1 else f"@{s}"}': w / len(scales)
      for l, w in style_weights.items()
      for s in scales
  }


@dataclasses.dataclass
class TransferResult:
  image: np.ndarray  # [H, W, 3] generated image in [0, 1]
  history: dict[
      str, np.ndarray
  ]  # 'total', 'content', 'style', 'tv': [num_steps] costs before each step
  final: dict[str, float]  # the same four costs of the returned image


def make_cost_fn(
    content: np.ndarray,
    style: np.ndarray,
    features: FeatureFn,
    params=None,
    content_layer: str = GATYS_CONTENT_LAYER,
    style_weights: Mapping[str, float] = GATYS_STYLE_WEIGHTS,
    alpha: float = 10.0,
    beta: float = 40.0,
    tv_weight: float = 0.0,
):
  """J(G) for fixed C and S; C's content activation and S's Grams are computed once.

  Returns:
    (cost_terms, targets): cost_terms(g [H, W, 3], params, targets) ->
    (J, (J_content, J_style, TV)); targets holds C's activation and S's
    Grams (pass them as arguments into jit rather than closing over them).
  """
  fc = features(params, jnp.asarray(content, jnp.float32))
  fs = features(params, jnp.asarray(style, jnp.float32))
  missing = [l for l in [content_layer, *style_weights] if l not in fc]
  if missing:
    raise ValueError(f'features lack layers {missing}; they return {sorted(fc)}')
  empty = [l for l in [content_layer, *style_weights] if fc[l].size == 0 or fs[l].size == 0]
  if empty:
    raise ValueError(
        f'layers {empty} have no pixels left for the image sizes '
        f'{np.shape(content)[:2]} / {np.shape(style)[:2]}: conv5_x needs at least '
        f'16 pixels per side (times the scale); use larger images or fewer scales'
    )
  targets = {
      'content': fc[content_layer],
      'grams': {l: costs.gram_matrix(fs[l]) for l in style_weights},
  }

  def cost_terms(g, params, targets):
    fg = features(params, g)
    jc = costs.content_cost(targets['content'], fg[content_layer])
    js = costs.style_cost(targets['grams'], fg, style_weights, precomputed_grams=True)
    tv = costs.total_variation(g)
    return costs.total_cost(jc, js, alpha, beta, tv, tv_weight), (jc, js, tv)

  return cost_terms, targets


def stylize(
    content: np.ndarray,
    style: np.ndarray,
    features: FeatureFn,
    params=None,
    *,
    content_layer: str = GATYS_CONTENT_LAYER,
    style_weights: Mapping[str, float] = GATYS_STYLE_WEIGHTS,
    alpha: float = 10.0,
    beta: float = 40.0,
    tv_weight: float = 0.0,
    optimizer: optax.GradientTransformation | None = None,
    num_steps: int = 200,
    chunk: int = 50,
    init: str = 'content',
    init_noise: float = 0.0,
    seed: int = 0,
    callback: Callable[[int, np.ndarray, dict], None] | None = None,
) -> TransferResult:
  """Optimises G to minimise alpha J_content + beta J_style + tv_weight TV.

  Args:
    content: [H, W, 3] content image C in [0, 1].
    style: [H', W', 3] style image S in [0, 1] (any size: only its Grams are used).
    features: (params, image) -> {layer: activation}, e.g. make_extractor(...).features;
      must return content_layer and every style layer.
    params: the feature function's weights (extractor.params).
    content_layer: layer of J_content.
    style_weights: {layer: lambda[l]} of J_style.
    alpha, beta, tv_weight: cost weights (>= 0).
    optimizer: optax transformation on the pixels (default Adam, lr 0.02).
    num_steps: optimisation steps.
    chunk: steps per jitted scan between host callbacks.
    init: 'content' (G0 = C plus optional noise) or 'noise' (uniform).
    init_noise: amplitude of uniform noise added to C when init='content'.
    seed: PRNG seed of the initial noise.
    callback: called as callback(step, image, last costs) after each chunk.

  Returns:
    TransferResult with the final image, per-step cost history and final costs.
  """
  if init not in ('content', 'noise'):
    raise ValueError(f"init must be 'content' or 'noise', got {init!r}")
  if num_steps < 1 or chunk < 1:
    raise ValueError(f'num_steps and chunk must be >= 1, got {num_steps} and {chunk}')
  optimizer = optimizer or optax.adam(0.02)
  c = jnp.asarray(content, jnp.float32)
  cost_terms, targets = make_cost_fn(
      content, style, features, params, content_layer, style_weights, alpha, beta, tv_weight
  )
  grad_fn = jax.value_and_grad(cost_terms, has_aux=True)

  @functools.partial(jax.jit, static_argnums=4)
  def run_chunk(g, opt_state, params, targets, length):
    def step(carry, _):
      g, opt_state = carry
      (j, (jc, js, tv)), grad = grad_fn(g, params, targets)
      updates, opt_state = optimizer.update(grad, opt_state, g)
      g = jnp.clip(optax.apply_updates(g, updates), 0.0, 1.0)  # stay a valid image
      return (g, opt_state), jnp.stack([j, jc, js, tv])

    (g, opt_state), hist = jax.lax.scan(step, (g, opt_state), None, length=length)
    return g, opt_state, hist

  key = jax.random.key(seed)
  if init == 'content':
    g = jnp.clip(c + init_noise * jax.random.uniform(key, c.shape, minval=-1, maxval=1), 0, 1)
  else:
    g = jax.random.uniform(key, c.shape)
  opt_state = optimizer.init(g)
  hist = []
  done = 0
  while done < num_steps:
    length = min(chunk, num_steps - done)  # at most two compiled lengths
    g, opt_state, h = run_chunk(g, opt_state, params, targets, length)
    hist.append(np.asarray(h))
    done += length
    if callback is not None:
      callback(
          done, np.asarray(g), dict(zip(('total', 'content', 'style', 'tv'), hist[-1][-1].tolist()))
      )
  hist = np.concatenate(hist)
  j, (jc, js, tv) = jax.jit(cost_terms)(g, params, targets)
  names = ('total', 'content', 'style', 'tv')
  return TransferResult(
      image=np.asarray(g),
      history={n: hist[:, i] for i, n in enumerate(names)},
      final={n: float(v) for n, v in zip(names, (j, jc, js, tv))},
  )
