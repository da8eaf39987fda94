"""Hyper-parameter search (notes 2.10-2.11), with trials run vectorised.

Per-parameter sampling scales (``spaces``: ``LogUniform`` for a learning rate
10^r, ``OneMinusLogUniform`` for beta = 1 - 10^r, ``Uniform``, ``IntUniform``,
``Choice``); random sampling, the notes' choice, with grid search for
comparison and coarse-to-fine zooming into the best trials' region
(``search``); and K trials of one model trained at once (``vectorized``:
jax.vmap over params, optimizer state and hyper-parameters in one jitted
step, the optimizer's hyper-parameters injected with
optax.inject_hyperparams, the trial axis sharded over the devices).
``hparam_search_experiment.run`` is the experiment and ``bench`` times K
trials against one. Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'spaces': ('LogUniform', 'OneMinusLogUniform', 'Uniform', 'IntUniform', 'Choice'),
        'search': ('random_search_points', 'grid_search_points', 'coarse_to_fine'),
        'vectorized': (
            'make_trials',
            'train_trials',
            'VectorizedTrials',
            'TrialsResult',
            'trial_mesh',
        ),
    },
    modules=('hparam_search_experiment',),
)
