"""Neural style transfer (notes 4.14): costs, VGG-19 features and weights, image optimisation.

The content, style (Gram matrix) and total-variation costs (``costs``);
``stylize`` optimises the generated image G against the features of a
VGG-19 (``transfer``: ``make_extractor``, ``make_cost_fn``); published VGG-19
weights converted to the flax params of ``jaxdl.models.VGG19``
(``vgg_weights``); content and style images from files or the photos
scikit-learn ships (``images``). ``style_transfer_experiment.run`` is the
launcher's run. Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'costs': (
            'content_cost',
            'gram_matrix',
            'layer_style_cost',
            'style_cost',
            'total_variation',
            'total_cost',
        ),
        'transfer': ('stylize', 'make_extractor', 'make_cost_fn', 'Extractor'),
        'vgg_weights': ('load_vgg_params', 'preprocess'),
        'images': ('load_image', 'save_image'),
    },
    modules=('style_transfer_experiment',),
)
