"""A plain numpy reference of one conv layer over a volume (notes 4.4, 4.5).

Written as the notes describe it, one output cell at a time: the f x f x C
filter is laid over an f x f x C block of the (padded) input, the products
are summed, the filter's bias is added, and the activation applied. Several
filters give several output channels (notes 4.4.1). Slow on purpose; it is the
independent reference that the flax layers are tested against.
"""

from collections.abc import Callable

import numpy as np

from jaxdl.models import conv_arithmetic

ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    'linear': lambda z: z,
    'relu': lambda z: np.maximum(z, 0.0),
    'tanh': np.tanh,
    'sigmoid': lambda z: 1.0 / (1.0 + np.exp(-z)),
}


def conv_layer(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: int = 1,
    padding: conv_arithmetic.Padding = 0,
    activation: str = 'linear',
) -> np.ndarray:
  """One conv layer, a[l] = g(W * a[l-1] + b), computed cell by cell.

  Args:
    x: [H, W, C] or [batch, H, W, C] input volume.
    w: [f_h, f_w, C, K] filters; each filter spans all C input channels.
    b: [K] one bias per filter, or None.
    stride: stride along both spatial axes.
    padding: int p (both sides), a (lo, hi) pair, 'VALID' or 'SAME'.
    activation: one of 'linear', 'relu', 'tanh', 'sigmoid'.

  Returns:
    [H_out, W_out, K] (or with the batch axis), H_out from notes 4.3:
    floor((H + 2p - f) / s) + 1.
  """
  if activation not in ACTIVATIONS:
    raise ValueError(f'activation must be one of {sorted(ACTIVATIONS)}, got ' f'{activation!r}')
  x = np.asarray(x, np.float64)
  w = np.asarray(w, np.float64)
  unbatched = x.ndim == 3
  if unbatched:
    x = x[None]
  if x.ndim != 4 or w.ndim != 4:
    raise ValueError(
        f'x must be [H, W, C] or [N, H, W, C] and w [f, f, C, K];' f' got x {x.shape}, w {w.shape}'
    )
  fh, fw, c, k = w.shape
  if x.shape[-1] != c:
    # notes 4.4: the filter's depth must equal the input's channels.
    raise ValueError(f'w has {c} input channels but x has {x.shape[-1]}')
  n, h, wd, _ = x.shape
  (ph0, ph1), (pw0, pw1) = conv_arithmetic.explicit_padding(
      (h, wd), (fh, fw), stride, padding if isinstance(padding, str) else (padding, padding)
  )
  xp = np.pad(x, ((0, 0), (ph0, ph1), (pw0, pw1), (0, 0)))
  ho = conv_arithmetic.conv_output_size(h, fh, stride, (ph0, ph1))
  wo = conv_arithmetic.conv_output_size(wd, fw, stride, (pw0, pw1))
  out = np.zeros((n, ho, wo, k))
  for i in range(ho):
    for j in range(wo):
      block = xp[:, i * stride : i * stride + fh, j * stride : j * stride + fw, :]
      for filt in range(k):
        # notes 4.4: the f*f*C products, summed into one number.
        out[:, i, j, filt] = np.sum(block * w[..., filt], axis=(1, 2, 3))
  if b is not None:
    out = out + np.asarray(b, np.float64)  # notes 4.5: one bias per filter
  out = ACTIVATIONS[activation](out)
  return out[0] if unbatched else out


def max_pool(x: np.ndarray, f: int, stride: int | None = None) -> np.ndarray:
  """Channel-wise max pooling of [H, W, C] or [N, H, W, C], no padding (notes 4.6.1)."""
  return _pool(x, f, stride, np.max)


def avg_pool(x: np.ndarray, f: int, stride: int | None = None) -> np.ndarray:
  """Channel-wise average pooling, no padding (notes 4.6.2)."""
  return _pool(x, f, stride, np.mean)


def _pool(x, f, stride, reduce):
  stride = f if stride is None else stride
  x = np.asarray(x, np.float64)
  unbatched = x.ndim == 3
  if unbatched:
    x = x[None]
  n, h, w, c = x.shape
  ho = conv_arithmetic.conv_output_size(h, f, stride)
  wo = conv_arithmetic.conv_output_size(w, f, stride)
  out = np.zeros((n, ho, wo, c))
  for i in range(ho):
    for j in range(wo):
      block = x[:, i * stride : i * stride + f, j * stride : j * stride + f, :]
      out[:, i, j, :] = reduce(block, axis=(1, 2))
  return out[0] if unbatched else out
