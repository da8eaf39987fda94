"""The training core: one state pytree, pure steps, their data-parallel jit, the run loop.

``create_train_state(model, tx, example_inputs, rng)`` builds the
``TrainState`` (params, optimizer state, BatchNorm statistics, the input
statistics and the base rng); ``train_step`` / ``eval_step`` / ``predict`` are
pure functions of (state, batch) and ``jit_train_step`` / ``jit_eval_step``
compile them for a ``jaxdl.parallel`` mesh (batch sharded, state donated).
A ``Task`` says what is optimised (``classification_task`` here, and the
notes' other tasks re-exported from their packages: language modelling,
translation, YOLO detection, triplet embeddings, multi-label heads); metrics
are exact ``(sum, count)`` pairs added with ``sum_metrics`` and read with
``finalize_metrics``. ``train_and_evaluate(config, workdir)`` is a whole run
from a launch config, resumable from its checkpoints, returning a
``RunResult``. Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'loop': ('train_and_evaluate', 'RunResult', 'evaluate'),
        'state': ('TrainState', 'create_train_state'),
        'steps': (
            'train_step',
            'eval_step',
            'predict',
            'jit_train_step',
            'jit_eval_step',
            'sum_metrics',
            'finalize_metrics',
            'BoundedStep',
            'AugmentFn',
        ),
        'task': ('Task', 'classification_task', 'Metrics'),
        'jaxdl.sequence.char_lm': ('language_model_task',),
        'jaxdl.sequence.translation': ('translation_task',),
        'jaxdl.detection.task': ('yolo_task',),
        'jaxdl.embedding.task': ('triplet_task',),
        'jaxdl.multitask.loss': ('multilabel_task',),
        'precision': ('DynamicLossScale', 'compute_dtype'),
        'checkpoint': ('Checkpointer', 'has_checkpoints', 'find_step'),
        'config_check': ('check_train_config',),
        'report': ('format_error_table',),
    },
    modules=('train_experiment',),
)
