"""A zoo ConvNet on an image dataset (notes 4.7-4.10), layer table first.

  python launch/classify.py --workdir=/tmp/classify
  python launch/classify.py --config=launch/configs/classify.py:resnet20 --workdir=/tmp/r20
  python launch/classify.py --config.dataset=cifar10 --config.model=resnet20 \
      --workdir=/tmp/cifar   # online: TFDS download

Default: LeNet-5 (61,706 parameters) on scikit-learn's 1,797 real digits
resized to 32x32 (no download), 60/20/20 stratified split, Adam 3e-3 with
cosine decay, 30 epochs, batch 64: well under a minute on a 2-core CPU; it
should fit the training set and reach about 1-2 % dev and test error (BUILD.md
has the figures). `:resnet20` trains the CIFAR ResNet-20 on the same digits
(minutes); `:smoke` is the tiny variant the tests run.
"""

import ml_collections

from jaxdl.review.config_file import load_config, sibling


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  c = load_config(sibling(__file__, 'train.py'))  # the core fields, commented there
  c.dataset = 'digits32'  # embedded name or a TFDS name (cifar10, imagenette)
  c.image_size = 0  # > 0: resize every image to this square side on the host
  c.model = 'lenet5'  # any name in jaxdl/models/registry.py
  c.model_kwargs = ml_collections.ConfigDict()  # fields of the model class
  c.num_epochs = 30  # passes over train
  c.batch_size = 64  # global batch, divisible by the number of devices
  c.optimizer.learning_rate = 3e-3  # Adam's alpha_0, cosine-decayed

  if variant == 'resnet20':
    c.model = 'resnet20'
    c.num_epochs = 15
  elif variant == 'smoke':
    c.num_epochs = 1
    c.batch_size = 32
    c.log_every_steps = 5
    c.eval_every_steps = 10
    c.checkpoint_every_steps = 20
    c.eval_train = False
    c.model_kwargs.filters = (4, 8)  # LeNet-5's shape, fewer filters
    c.model_kwargs.hidden = (16, 16)
  elif variant:
    raise ValueError(f"unknown config variant {variant!r}; accepted: '', " f"'resnet20', 'smoke'")
  return c
