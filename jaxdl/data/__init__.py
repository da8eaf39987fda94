"""Datasets and the input pipeline, host side in numpy (notes 1, 2.1, 2.3.4, 3.4-3.5).

``load_dataset(name, seed=...)`` returns a ``Dataset``: named splits
(train, dev, test, optionally train_dev), each a dict of equal-length numpy
arrays or a lazy TFDS source, plus a ``DatasetInfo``. The ``EMBEDDED`` sets
(digits, blobs, shapes, dates, ...) work offline; any other name is looked up
in the TFDS catalog. Batches: ``train_batches`` (endless, a pure function of
(seed, step), remainders dropped) and ``eval_batches`` (padded, with a mask)
for a plain loop, or ``TrainStream`` / ``eval_stream`` for what
``train_and_evaluate`` runs (grain, optional worker processes, prefetched
onto the mesh). Input statistics (``fit_input_stats``, ``identity_stats``)
travel in the TrainState and are applied on the device. Also here: splitting
a pool (``make_splits``), user-photo corruptions for the mismatch experiments,
host image transforms and offline TFDS test builders (``tfds_builders``).
Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'registry': ('load_dataset', 'EMBEDDED'),
        'dataset': ('Dataset', 'DatasetInfo', 'Split', 'split_size', 'take'),
        'batching': ('train_batches', 'eval_batches', 'steps_per_epoch'),
        'pipeline': (
            'TrainStream',
            'eval_stream',
            'TrainBatchReader',
            'EvalBatchReader',
            'DevicePrefetcher',
            'grain_iterator',
            'Transform',
        ),
        'normalize': ('fit_input_stats', 'fit_source_stats', 'identity_stats', 'to_unit_float'),
        'splits': ('make_splits', 'split_indices', 'hold_out_train_dev'),
        'sources': ('ArraySource', 'SubsetSource', 'TFDSSource', 'as_source'),
        'generated': ('generated_splits',),
        'corruptions': ('user_photos', 'UserPhotos', 'CORRUPTIONS'),
        'image_ops': ('make_transforms',),
        'tfds_source': ('load_tfds',),
    },
)
