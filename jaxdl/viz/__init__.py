"""What a run writes for people to look at: learning curves and TensorBoard summaries.

``plot_curves`` draws a run's history (train and eval metrics against the
step) as PNG with matplotlib's Agg backend, so no display is needed;
``SummaryWriter`` writes TensorBoard-readable scalars, images and hparams
through tensorboardX, so no TensorFlow is needed. Names are imported on
first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'curves': ('plot_curves',),
        'summaries': ('SummaryWriter',),
    },
)
