"""Regularisation on a small slice of the digits (notes 2.2-2.3).

  python launch/regularization.py --workdir=/tmp/jaxdl_reg
  python launch/regularization.py --config=launch/configs/regularization.py:smoke --workdir=/tmp/r
  python launch/regularization.py --config.regularization.l2_lambda=10 --workdir=/tmp/r

Default: an MLP (256, 256) trained on 10 % of scikit-learn's digits at 32x32
(~180 images, 1,024 inputs, so it overfits), dev = 45 %, Adam 1e-3, 100
epochs; six variants (none, L2, dropout, augmentation, early stopping, all).
About 2 CPU-minutes on a 2-core CPU. Expected: 'none' fits the training set
with a wide train-dev gap; every regulariser narrows it, augmentation and
'all' the most, with the lowest dev error (BUILD.md has the table).
At 8x8 (--config.dataset=digits) the same augmentations do not help: a
1-pixel shift or rotation of an 8x8 digit is not a plausible new digit.
"""

import ml_collections

from jaxdl.review.config_file import load_config, sibling


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  # The base training config (loop, checkpoints, ...): see train.py.
  c = load_config(sibling(__file__, 'train.py:mlp'))
  c.dataset = 'digits32'  # 32x32 digits: augmentations stay plausible
  c.data.fractions = (0.1, 0.45, 0.45)  # small train slice so the MLP overfits
  c.model_kwargs.hidden = (256, 256)  # over-sized for ~180 examples
  c.optimizer.name = 'adam'  # same optimizer for every variant
  c.optimizer.learning_rate = 1e-3  # alpha
  c.optimizer.schedule = 'constant'  # no decay: regularisers are the only change
  c.batch_size = 32  # global batch (divisible by 8 simulated devices)
  c.num_epochs = 100  # long enough to overfit without regularisation
  c.log_every_steps = 50  # host fetch period of train metrics
  c.eval_every_steps = 50  # dev evaluation period (curves, early stopping)
  c.checkpoint_every_steps = 250  # latest-checkpoint period
  c.regularization = ml_collections.ConfigDict()
  c.regularization.variants = (
      'none',
      'l2',
      'dropout',
      'augment',
      'early_stopping',
      'all',
  )  # runs, in order
  c.regularization.l2_lambda = 0.1  # notes 2.3.1 lambda (m = batch size)
  c.regularization.keep_prob = 0.5  # notes 2.3.2 keep_prob of hidden units
  c.regularization.patience = 4  # evaluations without dev improvement (2.3.3.2)
  # notes 2.3.3.1: small random rotation / zoom / shear / shift plus a gentle
  # elastic distortion; no flips, which would change a digit's meaning.
  c.regularization.augment = ml_collections.ConfigDict(
      {
          'affine': {
              'max_rotation_deg': 10.0,
              'scale_range': (0.9, 1.1),
              'max_shear': 0.1,
              'max_shift': 0.06,
          },
          'elastic': {'alpha': 3.0, 'sigma': 3.0},  # pixels at 32x32
      }
  )
  if variant == 'smoke':
    c.dataset = 'digits'  # 8x8: cheaper
    del c.regularization.augment['elastic']  # tests/test_augment.py covers it
    c.num_epochs = 2
    c.model_kwargs.hidden = (16,)
    c.log_every_steps = 2
    c.eval_every_steps = 4
    c.checkpoint_every_steps = 100  # only the final save
    c.regularization.patience = 1
    c.regularization.variants = ('none', 'all')  # 'all' exercises every part
  elif variant:
    raise ValueError(f"unknown config variant {variant!r}; accepted: '', 'smoke'")
  return c
