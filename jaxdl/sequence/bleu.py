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
  return collections.Counter(tuple(tokens[i:i + n])
                             for i in range(len(tokens) - n + 1))


def corpus_bleu(hypotheses: Sequence[Sequence[str]],
                references: Sequence[Sequence[str]], max_n: int = 4) -> float:
  """Corpus-level BLEU with one reference per hypothesis.

  Args:
    hypotheses: tokenised system outputs.
    references: tokenised references, same length as hypotheses.
    max_n: highest n-gram order N (4 is the standard BLEU-4).

  Returns:
    BLEU in [0, 1]; 0 when some order has no match (no smoothing).
  """
  if len(hypotheses) != len(references):
    raise ValueError(f'hypotheses ({len(hypotheses)}) and references '
                     f'({len(references)}) must have the same length')
  if max_n < 1:
    raise ValueError(f'max_n must be >= 1, got {max_n}')
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
