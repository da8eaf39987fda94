"""Optimizers compared at the same model, data and step budget (notes 2.4-2.9).

  python launch/optimizers.py --workdir=/tmp/jaxdl_opt
  python launch/optimizers.py --config=launch/configs/optimizers.py:smoke --workdir=/tmp/o
  python launch/optimizers.py --config.optimizers.num_steps=2000 --workdir=/tmp/o

Default: MLP (64, 64) on scikit-learn's digits (60 % train, normalised
inputs), 600 steps each of full-batch GD, mini-batch SGD (batch 64), notes
momentum, RMSprop, Adam, Adam with 1/(1 + decay epoch) decay; then the same
rules on the 2-D elongated bowl and saddle-with-plateau surfaces, the EWA
figure and the 2.8 schedules. About 1 minute on a 2-core CPU. Expected:
per step full-batch GD does as well as mini-batch SGD but needs many times
more passes over the data; RMSprop reaches the target loss first. On the bowl GD
oscillates at alpha = 0.075 and diverges at 0.2, where momentum converges
fastest; on the saddle the adaptive rules leave the plateau sooner than GD.
"""

import ml_collections


def _run(optimizer, learning_rate, batch_size=64, **extra):
  r = ml_collections.ConfigDict()
  r.optimizer = optimizer  # a jaxdl.optim.notes_optimizers name
  r.learning_rate = learning_rate  # alpha (alpha_0 with a schedule)
  r.batch_size = batch_size  # examples per step; <= 0 = full batch
  r.schedule = extra.pop('schedule', 'constant')  # jaxdl.optim.schedules name
  r.decay_rate = extra.pop('decay_rate', 1.0)  # inverse_time decay rate
  r.beta1 = extra.pop('beta1', 0.9)  # momentum / Adam beta1
  r.beta2 = extra.pop('beta2', 0.999)  # RMSprop / Adam beta2
  assert not extra, extra
  return r


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.seed = 0  # init, batch order and split seed
  c.dataset = 'digits'  # embedded dataset name
  c.data = ml_collections.ConfigDict()
  c.data.fractions = (0.6, 0.2, 0.2)  # train / dev / test
  c.optimizers = ml_collections.ConfigDict()
  c.optimizers.hidden = (64, 64)  # MLP hidden widths
  c.optimizers.num_steps = 600  # step budget for every run
  c.optimizers.target_loss = 0.05  # "steps to reach" threshold, train loss
  c.optimizers.runs = ml_collections.ConfigDict(
      {  # name -> run config
          'full_batch_gd': _run('gd', 0.3, batch_size=0),
          'minibatch_sgd': _run('gd', 0.3),
          'momentum': _run('notes_momentum', 0.3, beta1=0.9),
          'rmsprop': _run('notes_rmsprop', 1e-3, beta2=0.999),
          'adam': _run('notes_adam', 3e-3),
          'adam_decay': _run('notes_adam', 3e-3, schedule='inverse_time', decay_rate=0.2),
      }
  )
  c.optimizers.order = (
      'full_batch_gd',
      'minibatch_sgd',
      'momentum',
      'rmsprop',
      'adam',
      'adam_decay',
  )  # table / legend order
  s = c.optimizers.surfaces = ml_collections.ConfigDict()
  s.num_steps = 150  # updates on each 2-D surface
  s.tolerance = 1e-3  # "reached" = within this of the surface minimum
  s.bowl_start = (-4.0, 1.0)  # start on the elongated bowl
  s.saddle_start = (2.0, 1e-3)  # start next to the saddle (on the plateau)
  s.runs = ml_collections.ConfigDict(
      {  # same rules, 2-D learning rates
          'gd': _run('gd', 0.075),  # just under the bowl's 2 / 25 limit
          'gd_lr_0_2': _run('gd', 0.2),  # over it: diverges on the bowl
          'momentum_b_0_5': _run('notes_momentum', 0.2, beta1=0.5),
          'momentum_b_0_9': _run('notes_momentum', 0.3, beta1=0.9),
          'rmsprop': _run('notes_rmsprop', 0.05, beta2=0.9),
          'adam': _run('notes_adam', 0.1, beta2=0.99),
      }
  )
  s.order = (
      'gd',
      'gd_lr_0_2',
      'momentum_b_0_5',
      'momentum_b_0_9',
      'rmsprop',
      'adam',
  )  # table / legend order (ConfigDict sorts keys)
  if variant == 'smoke':
    c.optimizers.hidden = (8,)
    c.optimizers.num_steps = 20
    c.optimizers.target_loss = 1.5
    s.num_steps = 20
    c.optimizers.order = ('full_batch_gd', 'adam_decay')  # both batch modes
    s.order = ('gd', 'adam')
  elif variant:
    raise ValueError(f"unknown config variant {variant!r}; accepted: '', 'smoke'")
  return c
