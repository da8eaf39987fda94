"""Plain nets vs ResNets of growing depth: the notes' 4.9 claim at a CPU budget.

  python launch/plain_vs_resnet.py --workdir=/tmp/plain_vs_resnet
  python launch/plain_vs_resnet.py --config.dataset=cifar10 \
      --config.num_train_steps=20000 --workdir=/tmp/pvr_cifar   # online, GPU-sized

Default: CIFAR-style ResNet-8/20/56 (8, 16, 32 filters per stage) and their
plain twins (same layers and parameter counts, no skips) on scikit-learn's
1,797 real digits at their native 8x8 (no download), 300 Adam steps of batch
64 each, the same seed and data order for all six: about 10 minutes on a
2-core CPU. Expected: at depth 56 the plain net fails to *fit* the training
set, while the ResNets fit it at every depth (BUILD.md has the table). Table
in plain_vs_resnet.md, curves in plain_vs_resnet.png.
`:smoke` is the tiny variant the tests run.
"""

import ml_collections

from jaxdl.review.config_file import load_config, sibling


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  c = load_config(sibling(__file__, 'train.py'))  # the core fields, commented there
  c.dataset = 'digits'  # embedded name or a TFDS name (cifar10 online)
  c.image_size = 0  # > 0: resize every image to this square side on the host
  c.num_train_steps = 300  # the same optimizer steps for every network
  c.batch_size = 64  # global batch
  c.optimizer.learning_rate = 1e-3  # Adam's alpha_0
  c.optimizer.schedule = 'constant'  # no decay: the comparison is of optimisation speed
  c.eval_every_steps = 50  # points on the training-error curves
  c.log_every_steps = 50  # host fetch of train metrics
  c.checkpoint_every_steps = 300  # one checkpoint per network at the end
  c.eval_train = True  # the claim is about training error: evaluate train
  c.experiment = ml_collections.ConfigDict()
  c.experiment.depths = (8, 20, 56)  # 6n + 2 weighted layers
  c.experiment.width = 8  # filters of the first stage, doubling per stage (paper: 16)
  c.experiment.shortcut = 'A'  # 'A' zero-pad (parameter-free) | 'B' projection
  c.experiment.tolerance = 0.02  # ResNet error may rise this much and still "hold"

  if variant == 'smoke':
    c.num_train_steps = 4
    c.batch_size = 32
    c.eval_every_steps = 2
    c.log_every_steps = 2
    c.checkpoint_every_steps = 4
    c.experiment.depths = (8, 14)
    c.experiment.width = 4
  elif variant:
    raise ValueError(f"unknown config variant {variant!r}; accepted: '', 'smoke'")
  return c
