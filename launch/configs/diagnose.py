"""Bias / variance / data-mismatch diagnosis from measured errors (notes 2.2, 3.7-3.9, 3.12).

  python launch/diagnose.py                                   # notes 3.8 scenario A
  python launch/diagnose.py --config=launch/configs/diagnose.py:scenario_b
  python launch/diagnose.py --config.human_error=0.005 --config.train_error=0.01 \
      --config.train_dev_error=0.015 --config.dev_error=0.1 --config.num_dev=500

Errors are fractions; a negative value means "not measured" (for
human_error: unknown, and the report says so instead of assuming one).
Instant. Variants reproduce the worked examples of the notes: '' and
'smoke' = 3.8 scenario A (avoidable bias), 'scenario_b' (variance),
'variance' and 'mismatch' = the two train-dev cases of 3.12.
"""

import ml_collections

EXAMPLES = {  # (human, train, train-dev, dev, test) from the notes
    '': (0.01, 0.08, -1.0, 0.10, -1.0),
    'smoke': (0.01, 0.08, -1.0, 0.10, -1.0),
    'scenario_b': (0.075, 0.08, -1.0, 0.10, -1.0),
    'variance': (-1.0, 0.01, 0.09, 0.10, -1.0),
    'mismatch': (-1.0, 0.01, 0.01, 0.10, -1.0),
}


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  if variant not in EXAMPLES:
    raise ValueError(f'unknown config variant {variant!r}; accepted: {sorted(EXAMPLES)}')
  human, train, train_dev, dev, test = EXAMPLES[variant]
  c = ml_collections.ConfigDict()
  c.human_error = human  # human-level error, proxy for Bayes error (3.7); < 0 = unknown
  c.train_error = train  # training set error
  c.train_dev_error = train_dev  # train-dev error (3.12); < 0 = no train-dev set
  c.dev_error = dev  # dev set error
  c.test_error = test  # test set error; < 0 = not measured
  c.num_train = 0  # examples behind each error, for 95% intervals; 0 = unknown
  c.num_train_dev = 0
  c.num_dev = 0
  c.num_test = 0
  return c
