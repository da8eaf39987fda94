"""Notes section 3 as code: metrics, dev/test sizing, model selection, diagnosis, error analysis.

Classification metrics from exact counts, weighted and per-group errors
(``metrics``, notes 3.2, 3.6); the confidence interval of a measured error and
split fractions by dataset size (``confidence``, 3.5); one optimizing plus
several satisficing metrics for model selection (``selection``, 3.3); the
human / train / train-dev / dev / test gaps with their remedies (``diagnosis``,
2.2, 2.3, 3.1, 3.7-3.9, 3.12); tagging misclassified examples, the 3.10 table
and ranking likely mislabelled ones (``error_analysis``, 3.10, 3.11). Host-side
numpy on a run's predictions. Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'metrics': (
            'confusion_matrix',
            'accuracy',
            'error',
            'precision_recall_f1',
            'weighted_error',
            'weighted_error_counts',
            'group_errors',
            'group_error_counts',
            'rank_by_group_average',
            'format_group_table',
        ),
        'confidence': (
            'error_confidence_interval',
            'format_error',
            'examples_to_separate',
            'can_separate',
            'default_split_fractions',
        ),
        'selection': ('select_model', 'Selection', 'NoFeasibleModelError', 'format_selection'),
        'diagnosis': ('diagnose', 'Diagnosis', 'Gap', 'diagnosis_from_config'),
        'error_analysis': (
            'ErrorExample',
            'ErrorTable',
            'misclassified',
            'image_tag_fns',
            'rank_likely_mislabelled',
            'share_of_errors',
            'relabel_candidates_csv',
            'read_relabels',
            'apply_relabels',
        ),
    },
    modules=('diagnose_experiment',),
)
