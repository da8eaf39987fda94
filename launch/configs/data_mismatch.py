"""Data mismatch on the digits: train on clean A, dev/test on "user photos" B (notes 3.12, 3.13).

  python launch/data_mismatch.py --workdir=/tmp/jaxdl_mismatch
  python launch/data_mismatch.py --config=launch/configs/data_mismatch.py:smoke --workdir=/tmp/m
  python launch/data_mismatch.py --config.human_error=0.01 --workdir=/tmp/m   # with a human level

Default: SmallCNN on scikit-learn's digits; 60% of them are A (clean), 40%
become B through blur, noise, 1-pixel shifts and lower contrast. Three runs:
no synthesis, synthesis of every B corruption on A (3 corrupted copies of
each A image), and blur only. About 1.5 minutes on a 2-core CPU. Expected:
without synthesis the data-mismatch gap (train-dev -> dev) dominates;
synthesising all four corruptions closes most of it; blur alone, the
partial simulation 3.13 warns about, closes none of it (BUILD.md has the
table).
"""

import ml_collections

from jaxdl.review.config_file import load_config, sibling


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  # The base training config (model, optimizer, schedule, ...): see train.py.
  c = load_config(sibling(__file__, 'train.py:smoke' if variant == 'smoke' else 'train.py'))
  c.human_error = -1.0  # human-level error on B (3.7); < 0 = unknown, reported as such
  c.data.train_dev_fraction = 0.0  # unused: the mismatch splits make their own train-dev
  c.mismatch = ml_collections.ConfigDict()
  c.mismatch.a_fraction = 0.6  # share of the digits forming distribution A (clean)
  c.mismatch.train_dev_fraction = 0.15  # share of the training distribution held out as train-dev
  c.mismatch.b_in_train = 0.0  # share of B added to train (3.12); the rest is dev/test
  c.mismatch.blur_sigma = (0.3, 0.8)  # B: Gaussian blur sigma range, pixels
  c.mismatch.noise_std = (0.02, 0.1)  # B: pixel noise std range
  c.mismatch.max_shift = 1  # B: shifts up to this many pixels per axis
  c.mismatch.contrast = (0.5, 0.9)  # B: contrast factor range (< 1 washes out)
  c.mismatch.synthesis = ('none', 'all', 'blur')  # runs: corruptions synthesised on A (3.13)
  c.mismatch.synthesis_copies = 3  # corrupted copies of each A image when synthesising
  if variant == 'smoke':
    c.mismatch.synthesis = ('all',)  # one run: synthesis exercises the most code
    c.mismatch.synthesis_copies = 1
    c.num_train_steps = 4  # compile + a few steps: the plumbing, not the numbers
    c.eval_train = False
    c.eval_every_steps = 4
    c.log_every_steps = 4
    c.checkpoint_every_steps = 4
  elif variant:
    raise ValueError(f"unknown config variant {variant!r}; accepted: '', 'smoke'")
  return c
