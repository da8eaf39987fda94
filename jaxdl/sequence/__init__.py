"""Sequence models of notes §5.

Map (notes section -> module -> launcher -> tests):
  5.1 RNN cell, unrolling, masks   rnn.py, masking.py          tests/test_rnn.py,
      architectures (1->n, n->1,   architectures.py            tests/test_masking.py
      n->n, seq2seq)
  5.2 character language model     corpus.py, char_lm.py,      tests/test_char_lm.py
                                   char_lm_experiment.py       launch/char_lm.py
  5.3 encoder–decoder translation  seq2seq.py, beam_search.py, tests/test_seq2seq.py,
                                   dates.py, translation.py,   tests/test_beam_search.py,
                                   translate_experiment.py,    tests/test_dates.py
                                   bleu.py, attention_plot.py  launch/translate.py
      online: a WMT pair via TFDS  wmt.py                      tests/test_wmt.py
                                                               (translate.py:wmt)
  end-to-end smoke runs                                        tests/test_experiments_section5.py
"""
