"""Siamese embeddings, triplet loss, face verification and one-shot learning (notes 4.12-4.13).

One encoder maps every input to a unit-norm embedding (``EmbeddingNet``);
it is trained with the triplet loss on squared distances and in-batch mining
(``triplet``: all, hard or semi-hard triplets; ``triplet_task`` for the core
loop). Verification decides "same identity" from a distance threshold chosen
on dev, or a logistic regression on embedding differences
(``verification``); ``oneshot`` scores N-way one-shot classification;
``identities`` holds held-out identities and verification pairs, ``glyphs``
generates identities offline. ``face_verification_experiment.run`` is the
end-to-end experiment. Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'encoder': ('EmbeddingNet', 'l2_normalize'),
        'triplet': (
            'triplet_loss',
            'pairwise_sq_distances',
            'batch_all_triplet_loss',
            'batch_hard_triplet_loss',
            'semi_hard_triplet_loss',
            'mined_triplet_loss',
        ),
        'task': ('triplet_task',),
        'verification': (
            'pair_sq_distances',
            'threshold_accuracy',
            'choose_threshold',
            'roc_auc',
            'fit_logistic_regression',
            'verification_report',
        ),
        'oneshot': ('sample_episodes', 'one_shot_accuracy'),
        'identities': ('split_by_identity', 'sample_pairs'),
    },
    modules=('face_verification_experiment',),
)
