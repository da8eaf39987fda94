"""Optimizers and learning-rate schedules (notes 2.4-2.8), as optax transformations.

``make_optimizer`` builds the optax chain a run uses (sgd, momentum,
nesterov, rmsprop, adam, adamw and the notes' own forms; optional gradient
clipping and weight decay; a schedule), from plain arguments
(``make_optimizer('adam', 1e-3)``) or from a config block
(``make_optimizer(config.optimizer, steps_per_epoch, total_steps)``);
``make_schedule`` does the same for the learning rate alone. The notes'
formulas are here as written: bias-corrected momentum, RMSprop and Adam
(``notes_optimizers``), the per-epoch decays of 2.8 (``schedules``), the
exponentially weighted average of 2.5 (``ewa``), and 2-D loss surfaces that
show how each optimizer moves (``surfaces``); ``optimizers_experiment`` runs
them side by side. Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'factory': ('make_optimizer', 'make_schedule', 'OPTIMIZERS', 'SCHEDULES'),
        'notes_optimizers': (
            'notes_momentum',
            'heavy_ball',
            'notes_rmsprop',
            'notes_adam',
            'make_notes_optimizer',
            'heavy_ball_learning_rate',
            'NOTES_OPTIMIZERS',
        ),
        'schedules': (
            'inverse_time_decay',
            'exponential_decay',
            'inverse_sqrt_decay',
            'staircase_decay',
            'make_notes_schedule',
        ),
        'ewa': ('effective_window',),
        'surfaces': ('elongated_bowl', 'saddle_plateau', 'trajectory', 'SURFACES'),
    },
    modules=('optimizers_experiment',),
)
