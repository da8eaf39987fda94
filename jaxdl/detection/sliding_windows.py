"""Sliding-window detection and its convolutional implementation (notes 4.11.2-4.11.3).

`WindowClassifier` is the notes' window classifier: conv -> max-pool -> dense
-> dense -> class logits on a fixed window (14 x 14 x 3 by default). Sliding it
over an image means cropping every window and classifying each crop
(`crop_every_window`), which recomputes the overlapping convolutions.

`ConvWindowClassifier` is the same network with each dense layer rewritten as a
convolution: the first dense layer becomes a conv whose kernel covers the whole
pooled feature map (its weights reshaped, `dense_to_conv_params`), the later
ones 1 x 1 convs. Run once on a larger image, it returns one output per window
position, with a window stride equal to the max-pool stride (notes 4.11.3).
"""
import jax
import jax.numpy as jnp
import flax.linen as nn


class WindowClassifier(nn.Module):
  """Classifier of one window: [B, window, window, C] -> [B, num_classes] logits."""
  features: int = 16  # channels of the first conv
  kernel: int = 5  # conv kernel size (VALID padding)
  pool: int = 2  # max-pool size and stride
  hidden: int = 400  # width of the two dense layers
  num_classes: int = 4  # outputs (e.g. pedestrian, car, motorcycle, background)

  @nn.compact
  def __call__(self, x):
    x = nn.relu(nn.Conv(self.features, (self.kernel, self.kernel), padding='VALID', name='conv')(x))
    x = nn.max_pool(x, (self.pool, self.pool), strides=(self.pool, self.pool))
    x = x.reshape(x.shape[0], -1)  # (H, W, C) row-major, which `dense_to_conv_params` relies on
    x = nn.relu(nn.Dense(self.hidden, name='fc1')(x))
    x = nn.relu(nn.Dense(self.hidden, name='fc2')(x))
    return nn.Dense(self.num_classes, name='logits')(x)


class ConvWindowClassifier(nn.Module):
  """Fully convolutional twin of WindowClassifier: [B, H, W, C] -> [B, H', W', num_classes].

  H' = (H - window) / pool + 1: one output per window position, stride `pool`.
  """
  window: int = 14  # side of the window the classifier was built for
  features: int = 16
  kernel: int = 5
  pool: int = 2
  hidden: int = 400
  num_classes: int = 4

  @nn.compact
  def __call__(self, x):
    r = pooled_size(self.window, self.kernel, self.pool)
    x = nn.relu(nn.Conv(self.features, (self.kernel, self.kernel), padding='VALID', name='conv')(x))
    x = nn.max_pool(x, (self.pool, self.pool), strides=(self.pool, self.pool))
    x = nn.relu(nn.Conv(self.hidden, (r, r), padding='VALID', name='fc1')(x))
    x = nn.relu(nn.Conv(self.hidden, (1, 1), name='fc2')(x))
    return nn.Conv(self.num_classes, (1, 1), name='logits')(x)


def pooled_size(window, kernel, pool):
  """Side of the pooled feature map of one window; checks the sizes divide."""
  conv = window - kernel + 1
  if conv < 1 or conv % pool:
    raise ValueError(f'window - kernel + 1 = {conv} must be a positive multiple of pool = {pool}')
  return conv // pool


def dense_to_conv_params(params, window, kernel, pool):
  """Reshapes WindowClassifier params into ConvWindowClassifier params.

  fc1's kernel [r*r*F, hidden] becomes a conv kernel [r, r, F, hidden] (the
  flatten order (H, W, C) matches the conv's (H, W, in) layout); fc2 and
  logits kernels [h_in, h_out] become 1 x 1 conv kernels [1, 1, h_in, h_out].

  Args:
    params: the 'params' collection of a WindowClassifier.
    window, kernel, pool: that classifier's sizes.

  Returns:
    params for ConvWindowClassifier with the same fields.
  """
  r = pooled_size(window, kernel, pool)
  fc1 = params['fc1']['kernel']
  features = fc1.shape[0] // (r * r)
  if features * r * r != fc1.shape[0]:
    raise ValueError(f'fc1 kernel {fc1.shape} does not match a {r}x{r} pooled map')
  out = {'conv': params['conv'],
         'fc1': {'kernel': fc1.reshape(r, r, features, -1), 'bias': params['fc1']['bias']}}
  for name in ('fc2', 'logits'):
    k = params[name]['kernel']
    out[name] = {'kernel': k.reshape(1, 1, *k.shape), 'bias': params[name]['bias']}
  return out


def window_positions(size, window, stride):
  """Number of window positions along a side, checking the stride tiles it exactly."""
  if window > size or (size - window) % stride:
    raise ValueError(f'(size - window) = {size - window} must be a non-negative multiple of stride = {stride}')
  return (size - window) // stride + 1


def crop_every_window(images, window, stride):
  """All window crops of a batch of images.

  Args:
    images: [B, H, W, C].
    window: side of the square window, pixels.
    stride: step between windows, pixels.

  Returns:
    [B, n_rows, n_cols, window, window, C] crops.
  """
  _, h, w, c = images.shape
  rows = jnp.arange(window_positions(h, window, stride)) * stride
  cols = jnp.arange(window_positions(w, window, stride)) * stride

  def crop(image, r, col):
    return jax.lax.dynamic_slice(image, (r, col, 0), (window, window, c))

  per_col = jax.vmap(crop, in_axes=(None, None, 0))
  per_row = jax.vmap(per_col, in_axes=(None, 0, None))
  return jax.vmap(per_row, in_axes=(0, None, None))(images, rows, cols)


def sliding_window_logits(classifier_apply, images, window, stride):
  """Runs a window classifier on every crop: [B, H, W, C] -> [B, n_rows, n_cols, classes].

  Args:
    classifier_apply: function [N, window, window, C] -> [N, classes].
    images: [B, H, W, C].
    window, stride: window side and step, pixels.
  """
  crops = crop_every_window(images, window, stride)
  b, nr, nc = crops.shape[:3]
  logits = classifier_apply(crops.reshape(b * nr * nc, *crops.shape[3:]))
  return logits.reshape(b, nr, nc, -1)
