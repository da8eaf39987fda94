"""Sequence models of notes section 5: RNNs, character language models, translation.

The RNN cell and its unrolling over masked, padded sequences (``rnn``,
``masking``) and the architectures of 5.1 (``ManyToOne``, ``ManyToMany``,
``OneToMany``); a character language model with sampling and perplexity
(``char_lm``, ``corpus``, 5.2); encoder-decoder translation with attention,
greedy and beam-search decoding and BLEU (``seq2seq``, ``beam_search``,
``bleu``, 5.3) on human-readable dates (``dates``, ``translation``) or a WMT
pair through TFDS (``wmt``); ``attention_plot`` draws attention weights.
``char_lm_experiment.run`` and ``translate_experiment.run`` are the
experiments of launch/char_lm.py and launch/translate.py. Tokens are int32
``[B, T]`` with lengths or masks. Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'rnn': ('VanillaRNNCell', 'Recurrence', 'make_cell'),
        'architectures': ('ManyToOne', 'ManyToMany', 'OneToMany'),
        'masking': (
            'lengths_to_mask',
            'masked_token_cross_entropy',
            'masked_token_accuracy',
            'masked_mean_over_time',
        ),
        'char_lm': ('CharLM', 'sample', 'perplexity', 'language_model_task'),
        'seq2seq': ('EncoderDecoder', 'translate'),
        'beam_search': ('greedy_decode', 'length_penalty'),
        'bleu': ('corpus_bleu',),
        'translation': ('PackedTranslator', 'translation_task', 'load_dates', 'exact_match'),
        'attention_plot': ('plot_attention',),
    },
    modules=('char_lm_experiment', 'translate_experiment', 'corpus', 'dates', 'wmt'),
)
