"""Batch normalisation on vs off: steps to a target training loss (notes 2.12).

  python launch/batchnorm.py --workdir=/tmp/jaxdl_bn
  python launch/batchnorm.py --config=launch/configs/batchnorm.py:smoke --workdir=/tmp/b
  python launch/batchnorm.py --config.optimizer.learning_rate=0.5 --workdir=/tmp/b

Default: a 4-hidden-layer MLP (64 each) on scikit-learn's digits (60/20/20),
plain SGD at alpha = 0.05, batch 64, 30 epochs; variants no BN, BN before
ReLU, BN after ReLU. About 1-2 minutes on a 2-core CPU. Expected: both BN
variants reach the target loss in several times fewer steps than no BN.
"""

import ml_collections

from jaxdl.review.config_file import load_config, sibling


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  # The base training config (loop, checkpoints, ...): see train.py.
  c = load_config(sibling(__file__, 'train.py:mlp'))
  c.model_kwargs.hidden = (64, 64, 64, 64)  # deep enough for BN to matter
  c.optimizer.name = 'sgd'  # plain SGD: the setting where BN speeds up most
  c.optimizer.learning_rate = 0.05  # alpha, the same for every variant
  c.optimizer.schedule = 'constant'  # no decay
  c.batch_size = 64  # global batch; BN statistics are over all of it
  c.num_epochs = 30  # step budget = 30 * 16 steps
  c.log_every_steps = 16  # host fetch period of train metrics
  c.eval_every_steps = 8  # resolution of "steps to target"
  c.checkpoint_every_steps = 160  # latest-checkpoint period
  c.batchnorm = ml_collections.ConfigDict()
  c.batchnorm.variants = ('no_bn', 'bn_before', 'bn_after')  # runs, in order
  c.batchnorm.target_loss = 0.1  # train loss (eval mode) to reach
  if variant == 'smoke':
    c.model_kwargs.hidden = (8, 8)
    c.num_epochs = 1
    c.log_every_steps = 4
    c.eval_every_steps = 4
    c.checkpoint_every_steps = 100  # only the final save
    c.batchnorm.variants = ('no_bn', 'bn_before')
    c.batchnorm.target_loss = 2.5
  elif variant:
    raise ValueError(f"unknown config variant {variant!r}; accepted: '', 'smoke'")
  return c
