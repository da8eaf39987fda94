"""Multi-task learning on generated multi-object images (notes 3.15).

  python launch/multitask.py --workdir=/tmp/jaxdl_multitask
  python launch/multitask.py --config=launch/configs/multitask.py:smoke --workdir=/tmp/mt
  python launch/multitask.py --config.multitask.missing_fraction=0.6 --workdir=/tmp/mt

Default: 16x16 images with any of 4 shapes (square, plus, x, disk), 1,200
train / 400 dev / 400 test, 30% of the training labels missing ("?").
One SmallCNN with 4 sigmoid heads (masked loss) against 4 single-head
SmallCNNs trained on their known labels only; 30 epochs each. About 1
CPU-minute on a 2-core CPU. Expected: the one multi-task network is within
noise of the four separate ones, also with train_size=300 and
missing_fraction=0.5, at a quarter of the models to train and serve
(BUILD.md has the table).
"""

import ml_collections

from jaxdl.review.config_file import load_config, sibling


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  # The base training config (model, optimizer, schedule, ...): see train.py.
  c = load_config(sibling(__file__, 'train.py:smoke' if variant == 'smoke' else 'train.py'))
  c.dataset = 'shapes'  # documentation only: the experiment builds it from multitask.*
  c.normalize_inputs = False  # images are already in [0, 1] with a zero background
  c.multitask = ml_collections.ConfigDict()
  c.multitask.train_size = 1200  # training images
  c.multitask.dev_size = 400  # dev images (fully labelled)
  c.multitask.test_size = 400  # test images (fully labelled)
  c.multitask.missing_fraction = 0.3  # share of training labels that are '?' (3.15)
  c.multitask.single_task_shapes = ('square', 'plus', 'x', 'disk')  # separate models to train
  if variant == 'smoke':
    c.multitask.train_size = 128
    c.multitask.dev_size = 64
    c.multitask.test_size = 64
    c.num_epochs = 1
    c.multitask.single_task_shapes = ('disk',)  # one separate model: the plumbing, not the figures
  elif variant:
    raise ValueError(f"unknown config variant {variant!r}; accepted: '', 'smoke'")
  return c
