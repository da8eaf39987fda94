"""Data augmentation on the device (notes 2.3.3.1): pure, jittable batch ops.

Every function acts on a whole batch inside the jitted train step, takes a
PRNG key first and draws an independent transformation per example:
flips (``random_flip_left_right``, ``random_flip_up_down``), ``random_crop``,
``random_zoom`` / ``random_shift`` / ``random_affine`` and ``random_elastic``;
``make_augment_fn(config)`` composes them into the ``fn(batch, rng)`` that
``jaxdl.train.jit_train_step`` takes. ``images`` are ``[B, H, W, C]`` float32
(a single ``[H, W, C]`` image is rejected: add the batch axis). Geometric ops
also move optional ``boxes`` (``[B, K, 4]`` normalised x_min, y_min, x_max,
y_max) with their ``box_mask`` (``[B, K]`` bool), clip them to the frame and
drop boxes that fall below ``min_box_size``, returning ``(images, boxes,
box_mask)``; elastic distortion refuses boxes. Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'flips': ('random_flip_left_right', 'random_flip_up_down'),
        'crop': ('random_crop',),
        'affine': ('random_zoom', 'random_shift', 'random_affine'),
        'elastic': ('random_elastic',),
        'pipeline': ('make_augment_fn',),
    },
)
