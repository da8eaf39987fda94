"""Looking back at a finished run: its config, its checkpoint, its predictions, its errors.

``load_config`` loads a launch config file (with ':variant') by path, as
``--config`` does; ``restore_run`` rebuilds a run's model and state from its
config and restores its checkpoint (latest or best), and ``predict_probs``
gives its class probabilities on a split; ``error_analysis_experiment.run``
is the error analysis of notes 3.10-3.11 on a restored run. Names are
imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'config_file': ('load_config',),
        'restore': ('restore_run', 'predict_probs'),
    },
    modules=('error_analysis_experiment',),
)
