"""Corpus BLEU (Papineni et al., 2002) for translation output (notes 5.3).

BLEU = BP · exp(Σ_n (1/N) log p_n), where p_n is the modified n-gram
precision — each hypothesis n-gram counts at most as often as it occurs in
the reference — summed over the whole corpus before dividing, and
BP = min(1, exp(1 − r / c)) penalises hypotheses shorter (c tokens) than the
references (r tokens). Pure Python: it runs on the host on decoded text.
"""

import collections
import math
from typing import Sequence


def _ngrams(tokens: Sequence[str], n: int) -> collections.Counter:
  return collections.Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(
    hypotheses: Sequence[Sequence[str]], references: Sequence[Sequence[str]], max_n: int = 4
) -> float:
  """Corpus-level BLEU with one reference per hypothesis.

  Args:
    hypotheses: tokenised system outputs (each a list of tokens, not a str).
    references: tokenised references, same length as hypotheses.
    max_n: highest n-gram order N, a positive int (4 is the standard BLEU-4).

  Returns:
    BLEU in [0, 1]; 0 when some order has no match (no smoothing), and 0 for
    an empty corpus or all-empty hypotheses.

  Raises:
    ValueError: on unequal lengths, a bad max_n, or a sentence given as a
      string (it would be scored as a sequence of characters).
  """
  if len(hypotheses) != len(references):
    raise ValueError(
        f'hypotheses ({len(hypotheses)}) and references '
        f'({len(references)}) must have the same length'
    )
  if not isinstance(max_n, int) or isinstance(max_n, bool) or max_n < 1:  # range() needs an int
    raise ValueError(f'max_n must be a positive int, got {max_n!r}')
  for name, corpus in (('hypotheses', hypotheses), ('references', references)):
    for i, sentence in enumerate(corpus):
      if isinstance(sentence, str):
        raise ValueError(
            f'{name}[{i}] must be a list of tokens, got the str {sentence[:30]!r} '
            '(split it first, e.g. sentence.split())'
        )
  matches = [0] * max_n
  totals = [0] * max_n
  hyp_len = ref_len = 0
  for hyp, ref in zip(hypotheses, references):
    hyp_len += len(hyp)
    ref_len += len(ref)
    for n in range(1, max_n + 1):
      h, r = _ngrams(hyp, n), _ngrams(ref, n)
      matches[n - 1] += sum(min(c, r[g]) for g, c in h.items())
      totals[n - 1] += max(len(hyp) - n + 1, 0)
  if hyp_len == 0 or min(matches) == 0:
    return 0.0
  log_precision = sum(math.log(m / t) for m, t in zip(matches, totals)) / max_n
  brevity = min(1.0, math.exp(1.0 - ref_len / hyp_len))
  return brevity * math.exp(log_precision)
