"""Input validation of public functions that have no test file of their own (corpus BLEU)."""

import pytest

from jaxdl.sequence import bleu


def test_corpus_bleu_rejects_untokenised_strings():
  # Before: a str was scored as a sequence of characters (n-grams of letters), without error.
  with pytest.raises(
      ValueError,
      match=r"hypotheses\[0\] must be a list of tokens, got the str 'the cat sat' "
      r'\(split it first',
  ):
    bleu.corpus_bleu(['the cat sat'], [['the', 'cat', 'sat']])
  with pytest.raises(ValueError, match=r'references\[1\] must be a list of tokens'):
    bleu.corpus_bleu([['a'], ['b']], [['a'], 'b'])


def test_corpus_bleu_other_arguments():
  with pytest.raises(ValueError, match='max_n must be a positive int, got 0'):
    bleu.corpus_bleu([['a']], [['a']], max_n=0)
  with pytest.raises(ValueError, match='max_n must be a positive int, got 2.0'):
    bleu.corpus_bleu([['a']], [['a']], max_n=2.0)
  with pytest.raises(
      ValueError, match=r'hypotheses \(1\) and references \(2\) must have the same length'
  ):
    bleu.corpus_bleu([['a']], [['a'], ['b']])
  # Documented edge cases: an empty corpus and empty hypotheses score 0.
  assert bleu.corpus_bleu([], []) == 0.0
  assert bleu.corpus_bleu([[]], [['a', 'b']]) == 0.0
  # Hand value: identical 4-token sentences give BLEU 1.
  assert bleu.corpus_bleu([['a', 'b', 'c', 'd']], [['a', 'b', 'c', 'd']]) == pytest.approx(1.0)
