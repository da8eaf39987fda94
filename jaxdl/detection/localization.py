"""Object localisation target and loss with "don't care" entries (notes 4.11.1).

One object at most per image. The target vector is

  y = [p_c, b_x, b_y, b_h, b_w, c_1, ..., c_n]

with p_c = 1 when an object is present, (b_x, b_y) its centre and (b_h, b_w)
its height and width, all relative to the image, and c_k the one-hot class.
When p_c = 0 the other entries are "don't care": only p_c enters the loss.

The network's output has the same layout, but holds a logit for p_c, raw box
regressions and class logits; the loss uses log-loss for p_c and the class
(as the notes suggest) and squared error for the box.
"""

import jax
import jax.numpy as jnp
import optax

NUM_BOX = 4  # b_x, b_y, b_h, b_w


def make_target(has_object, boxes, labels, num_classes):
  """Builds localisation targets.

  Args:
    has_object: [...] bool or {0, 1}.
    boxes: [..., 4] centre boxes (x_center, y_center, width, height)
      normalised to the image; ignored where has_object is 0.
    labels: [...] int class in [0, num_classes); ignored where has_object is 0.
    num_classes: n.

  Returns:
    [..., 5 + n] float32 targets [p_c, b_x, b_y, b_h, b_w, c_1..c_n], with
    zeros in the "don't care" entries of empty images.
  """
  if num_classes < 1:
    raise ValueError(f'num_classes must be >= 1, got {num_classes}')
  boxes = jnp.asarray(boxes, jnp.float32)
  if boxes.shape[-1] != 4:
    raise ValueError(
        f'boxes must be [..., 4] (x_center, y_center, width, height), got {boxes.shape}'
    )
  p = jnp.asarray(has_object, jnp.float32)
  # notes 4.11.1 order: b_x, b_y, b_h, b_w
  box = jnp.stack([boxes[..., 0], boxes[..., 1], boxes[..., 3], boxes[..., 2]], axis=-1)
  onehot = jax.nn.one_hot(labels, num_classes)
  return jnp.concatenate([p[..., None], box * p[..., None], onehot * p[..., None]], axis=-1)


def loss(outputs, targets, box_weight=1.0):
  """Per-example localisation loss.

  loss = BCE(p_c) + p_c * (box_weight * ||b - b_hat||^2 + CE(c)),
  so an image without an object only trains p_c (notes 4.11.1 "don't care").

  Args:
    outputs: [..., 5 + n] network outputs: p_c logit, 4 box values, n class logits.
    targets: [..., 5 + n] from `make_target`.
    box_weight: weight of the squared box error.

  Returns:
    [...] loss per example (nats + squared units).
  """
  if outputs.shape != targets.shape:
    raise ValueError(
        f'outputs {outputs.shape} and targets {targets.shape} must have the same shape'
    )
  if outputs.shape[-1] < 1 + NUM_BOX + 1:
    raise ValueError(f'last axis must be 5 + num_classes >= 6, got {outputs.shape[-1]}')
  p = targets[..., 0]
  obj = optax.sigmoid_binary_cross_entropy(outputs[..., 0], p)
  box = jnp.sum((outputs[..., 1:5] - targets[..., 1:5]) ** 2, axis=-1)
  cls = optax.softmax_cross_entropy(outputs[..., 5:], targets[..., 5:])
  return obj + p * (box_weight * box + cls)


def predict(outputs):
  """Decodes outputs: (probability of an object [...], centre box [..., 4], class [...])."""
  b = outputs[..., 1:5]
  boxes = jnp.stack([b[..., 0], b[..., 1], b[..., 3], b[..., 2]], axis=-1)
  return jax.nn.sigmoid(outputs[..., 0]), boxes, jnp.argmax(outputs[..., 5:], axis=-1)
