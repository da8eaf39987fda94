"""Neural style transfer (notes 4.14): optimise G for alpha J_content + beta J_style.

  python launch/style_transfer.py --workdir=/tmp/jaxdl_style
  python launch/style_transfer.py --config.weights_path=vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 \
      --config.content=me.jpg --config.style=starry_night.jpg --workdir=/tmp/style_vgg

Default: scikit-learn's embedded photos (content china.jpg, style flower.jpg),
96 px on the long side, VGG-19 with Gatys' layers (content conv4_2, style
conv1_1..conv5_1, average pooling), 200 Adam steps on the pixels. With no
weights file (the offline default) VGG-19 keeps RANDOM weights, computed at
scales 1, 2 and 4: G takes on the style image's palette and fine texture while
keeping the content's layout, but random features do not know objects, so this
is not the painterly effect of pretrained weights (see
jaxdl/style/transfer.py). About 2.5 CPU-minutes on a 2-core CPU; seconds on a
GPU. Expected: J_style(S, G) falls by more than an order of magnitude from its
value at G = C while J_content(C, G) stays below J_content(C, S) (BUILD.md has
the figures); G shows the flower's dark-green palette over the pagoda's
layout, with saturated colour noise that random features do not penalise.
Pretrained weights: a Keras VGG19 .h5 or a torchvision state dict saved as
.npz (jaxdl/style/vgg_weights.py). ':smoke' is the tiny variant the tests run.
"""

import ml_collections


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.seed = 0  # seeds the random VGG weights and any initial noise
  c.content = 'china'  # 'china' | 'flower' (embedded) or an image file path
  c.style = 'flower'  # 'china' | 'flower' (embedded) or an image file path
  c.max_side = 96  # content resized so its longer side has this many pixels
  c.weights_path = ''  # Keras .h5 or torchvision .npz VGG-19 weights; '' = random weights
  c.pool = 'avg'  # 'avg' (Gatys) | 'max' pooling inside VGG-19
  c.widths = ()  # VGG channel widths per stage; () = VGG-19's (64, 128, 256, 512, 512)
  c.scales = (1, 2, 4)  # random-weight fallback only: image downsampling factors for features
  c.content_layer = 'conv4_2'  # layer of J_content (Gatys)
  c.style_layers = ('conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1')  # layers of J_style
  c.style_layer_weights = ()  # lambda[l] per style layer; () = equal, summing to 1
  c.alpha = 10.0  # weight of J_content
  c.beta = 40.0  # weight of J_style
  c.tv_weight = 1e-6  # weight of total variation (squared differences summed over pixels)
  c.optimizer = ml_collections.ConfigDict()
  c.optimizer.name = 'adam'  # adam | sgd
  c.optimizer.learning_rate = 0.02  # step on pixels in [0, 1]
  c.num_steps = 200  # optimisation steps
  c.log_every_steps = 50  # steps per jitted chunk; cost scalars + TensorBoard image after each
  c.snapshot_every = 100  # write generated_step{N}.png every N steps; 0 = off
  c.init = 'content'  # 'content' (G0 = C + noise) | 'noise'
  c.init_noise = 0.0  # uniform noise amplitude added to C at the start

  if variant == 'smoke':
    c.max_side = 48
    c.widths = (4, 8, 8, 16, 16)
    c.scales = (1,)
    c.num_steps = 6
    c.log_every_steps = 3
    c.snapshot_every = 3
    c.optimizer.learning_rate = 0.05
  elif variant:
    raise ValueError(f"unknown config variant {variant!r}; accepted: '', 'smoke'")
  return c
