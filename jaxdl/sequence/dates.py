"""Human-readable dates -> ISO 8601, an offline translation task (notes 5.3).

Each example is one calendar day written in one of many human formats
("3 May 1979", "tuesday, march 5 2021", "05/03/79", ...) paired with its ISO
form "1979-05-03". Everything is generated from a seed, so the data set is
the same on every machine and needs no download.

Conventions (so that every source has exactly one right answer):
- days run from 1950-01-01 to 2049-12-31, so a two-digit year is unambiguous:
  yy >= 50 means 19yy, yy < 50 means 20yy;
- all-numeric formats put the day first (05/03/79 is 5 March 1979), as in
  most of the world; year-first numeric formats use four-digit years.
- dev and test days are held out: no day of the dev or test set appears in
  training in any format, so the score measures generalisation to new days,
  not recall of seen ones.
"""

import datetime
from typing import Callable

import numpy as np

FIRST_DAY = datetime.date(1950, 1, 1)
LAST_DAY = datetime.date(2049, 12, 31)
MAX_SOURCE_LEN = 32  # Longest formatted date is 28 characters (tested).
TARGET_LEN = 10  # len('1979-05-03').

# Source alphabet: id 0 is padding; the order is fixed so ids never move.
SOURCE_CHARS = ' ,-./' + '0123456789' + 'abcdefghijklmnopqrstuvwxyz' + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
SOURCE_PAD = 0
SOURCE_VOCAB_SIZE = len(SOURCE_CHARS) + 1
# Target alphabet: padding, begin- and end-of-sequence, then the ISO characters.
TARGET_PAD, TARGET_BOS, TARGET_EOS = 0, 1, 2
TARGET_CHARS = '0123456789-'
TARGET_VOCAB_SIZE = len(TARGET_CHARS) + 3

_SRC_ID = {c: i + 1 for i, c in enumerate(SOURCE_CHARS)}
_TGT_ID = {c: i + 3 for i, c in enumerate(TARGET_CHARS)}

_MONTHS = [
    'january',
    'february',
    'march',
    'april',
    'may',
    'june',
    'july',
    'august',
    'september',
    'october',
    'november',
    'december',
]
_WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']


def _ordinal(n: int) -> str:
  if 10 <= n % 100 <= 20:
    return f'{n}th'
  return f'{n}' + {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')


def _parts(d: datetime.date):
  month, weekday = _MONTHS[d.month - 1], _WEEKDAYS[d.weekday()]
  return month, month[:3], weekday, weekday[:3]


# Each format maps a date to text; names document them in reports.
FORMATS: dict[str, Callable[[datetime.date], str]] = {
    'd Month yyyy': lambda d: f'{d.day} {_parts(d)[0].title()} {d.year}',
    'dd month yyyy': lambda d: f'{d.day:02d} {_parts(d)[0]} {d.year}',
    'd mon yy': lambda d: f'{d.day} {_parts(d)[1]} {d.year % 100:02d}',
    'D MON YYYY': lambda d: f'{d.day} {_parts(d)[1].upper()} {d.year}',
    'Month d, yyyy': lambda d: f'{_parts(d)[0].title()} {d.day}, {d.year}',
    'mon d yyyy': lambda d: f'{_parts(d)[1]} {d.day} {d.year}',
    'weekday, month d yyyy': lambda d: f'{_parts(d)[2]}, {_parts(d)[0]} {d.day} {d.year}',
    'Weekday d Month yyyy': lambda d: f'{_parts(d)[2].title()} {d.day} {_parts(d)[0].title()} {d.year}',
    'wkd, d mon yyyy': lambda d: f'{_parts(d)[3]}, {d.day} {_parts(d)[1]} {d.year}',
    'Month dth, yyyy': lambda d: f'{_parts(d)[0].title()} {_ordinal(d.day)}, {d.year}',
    'the dth of month yyyy': lambda d: f'the {_ordinal(d.day)} of {_parts(d)[0]} {d.year}',
    'dd/mm/yy': lambda d: f'{d.day:02d}/{d.month:02d}/{d.year % 100:02d}',
    'dd/mm/yyyy': lambda d: f'{d.day:02d}/{d.month:02d}/{d.year}',
    'd.m.yyyy': lambda d: f'{d.day}.{d.month}.{d.year}',
    'dd-mm-yyyy': lambda d: f'{d.day:02d}-{d.month:02d}-{d.year}',
    'yyyy/mm/dd': lambda d: f'{d.year}/{d.month:02d}/{d.day:02d}',
    'yyyy.m.d': lambda d: f'{d.year}.{d.month}.{d.day}',
    'd-mon-yyyy': lambda d: f'{d.day}-{_parts(d)[1]}-{d.year}',
}


def iso(d: datetime.date) -> str:
  """The target text, e.g. '1979-05-03'."""
  return d.isoformat()


def encode_source(texts) -> tuple[np.ndarray, np.ndarray]:
  """Texts -> (ids [n, MAX_SOURCE_LEN] int32 right-padded with 0, lengths [n]).

  Raises:
    ValueError: on a character outside SOURCE_CHARS or a text longer than
      MAX_SOURCE_LEN.
  """
  ids = np.zeros((len(texts), MAX_SOURCE_LEN), np.int32)
  lengths = np.zeros((len(texts),), np.int32)
  for i, text in enumerate(texts):
    if len(text) > MAX_SOURCE_LEN:
      raise ValueError(f'text longer than MAX_SOURCE_LEN={MAX_SOURCE_LEN}: ' f'{text!r}')
    try:
      ids[i, : len(text)] = [_SRC_ID[c] for c in text]
    except KeyError as e:
      raise ValueError(
          f'character {e.args[0]!r} in {text!r} is not in the ' f'source alphabet {SOURCE_CHARS!r}'
      ) from None
    lengths[i] = len(text)
  return ids, lengths


def encode_target(texts) -> tuple[np.ndarray, np.ndarray]:
  """ISO texts -> (decoder inputs, decoder targets), both [n, TARGET_LEN + 1].

  Teacher forcing (notes 5.3): the decoder reads BOS y1 … y10 and must
  predict y1 … y10 EOS.
  """
  n = len(texts)
  body = np.zeros((n, TARGET_LEN), np.int32)
  for i, text in enumerate(texts):
    if len(text) != TARGET_LEN:
      raise ValueError(f'target must be {TARGET_LEN} ISO characters: {text!r}')
    body[i] = [_TGT_ID[c] for c in text]
  inputs = np.concatenate([np.full((n, 1), TARGET_BOS, np.int32), body], 1)
  targets = np.concatenate([body, np.full((n, 1), TARGET_EOS, np.int32)], 1)
  return inputs, targets


def decode_target(ids) -> str:
  """Target ids -> text, stopping at the first EOS; BOS/PAD are skipped."""
  chars = []
  for i in np.asarray(ids).tolist():
    if i == TARGET_EOS:
      break
    if i >= 3:
      chars.append(TARGET_CHARS[i - 3])
  return ''.join(chars)


def decode_source(ids, length) -> str:
  """Source ids -> text."""
  return ''.join(SOURCE_CHARS[i - 1] for i in np.asarray(ids)[:length].tolist())


def _examples(days, rng: np.random.Generator) -> dict[str, np.ndarray]:
  names = list(FORMATS)
  fmt = rng.integers(0, len(names), size=len(days))
  texts = [FORMATS[names[f]](d) for f, d in zip(fmt, days)]
  source, source_length = encode_source(texts)
  target_input, target = encode_target([iso(d) for d in days])
  return {
      'source': source,  # [n, MAX_SOURCE_LEN] int32 character ids.
      'source_length': source_length,  # [n] int32.
      'target_input': target_input,  # [n, 11] int32, BOS + ISO ids.
      'target': target,  # [n, 11] int32, ISO ids + EOS.
      'format': fmt.astype(np.int32),  # [n] index into FORMATS.
  }


def make_splits(
    seed: int = 0, num_train: int = 20000, num_dev: int = 1000, num_test: int = 1000
) -> dict[str, dict[str, np.ndarray]]:
  """Deterministic train/dev/test splits with held-out days.

  Args:
    seed: the same seed gives the same arrays on every machine.
    num_train: training examples, drawn (with replacement across formats,
      one format each) from the days left after dev and test are held out.
    num_dev: dev examples, one per distinct held-out day.
    num_test: test examples, one per distinct held-out day.

  Returns:
    {'train', 'dev', 'test'} -> dict of equal-length numpy arrays.
  """
  total_days = (LAST_DAY - FIRST_DAY).days + 1
  for name, value in (('num_train', num_train), ('num_dev', num_dev), ('num_test', num_test)):
    if value < 1:
      raise ValueError(f'{name} must be >= 1, got {value}')
  if num_dev + num_test >= total_days:
    raise ValueError(
        f'num_dev + num_test must be < {total_days} days, got ' f'{num_dev + num_test}'
    )
  rng = np.random.default_rng(seed)
  order = rng.permutation(total_days)
  day = lambda i: FIRST_DAY + datetime.timedelta(days=int(i))
  test_days = [day(i) for i in order[:num_test]]
  dev_days = [day(i) for i in order[num_test : num_test + num_dev]]
  pool = order[num_test + num_dev :]
  train_days = [day(i) for i in rng.choice(pool, size=num_train, replace=num_train > len(pool))]
  return {
      'train': _examples(train_days, rng),
      'dev': _examples(dev_days, rng),
      'test': _examples(test_days, rng),
  }
