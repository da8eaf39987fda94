"""Training and testing on different distributions (notes 3.12, 3.13).

``mismatch_splits`` / ``mismatch_dataset`` (``data``) train on distribution A
(clean digits, optionally with some B), hold out train-dev from train's
distribution and draw dev/test from B ("user photos", made with
``jaxdl.data.corruptions``); ``data_mismatch_experiment.run`` measures the
diagnosis of 3.12, then the effect of artificial data synthesis (3.13).
Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'data': ('mismatch_splits', 'mismatch_dataset'),
    },
    modules=('data_mismatch_experiment',),
)
