"""Tests for the dates -> ISO data set (jaxdl.sequence.dates)."""

import calendar
import datetime
import re

import numpy as np
import pytest

from jaxdl.sequence import dates

# An independent reader for each format: Python's strptime (case-insensitive
# month and weekday names), after stripping ordinal suffixes and "the … of".
_STRPTIME = {
    'd Month yyyy': '%d %B %Y',
    'dd month yyyy': '%d %B %Y',
    'd mon yy': '%d %b %y',
    'D MON YYYY': '%d %b %Y',
    'Month d, yyyy': '%B %d, %Y',
    'mon d yyyy': '%b %d %Y',
    'weekday, month d yyyy': '%A, %B %d %Y',
    'Weekday d Month yyyy': '%A %d %B %Y',
    'wkd, d mon yyyy': '%a, %d %b %Y',
    'Month dth, yyyy': '%B %d, %Y',
    'the dth of month yyyy': '%d %B %Y',
    'dd/mm/yy': '%d/%m/%y',
    'dd/mm/yyyy': '%d/%m/%Y',
    'd.m.yyyy': '%d.%m.%Y',
    'dd-mm-yyyy': '%d-%m-%Y',
    'yyyy/mm/dd': '%Y/%m/%d',
    'yyyy.m.d': '%Y.%m.%d',
    'd-mon-yyyy': '%d-%b-%Y',
}


def _parse(text: str, fmt_name: str) -> datetime.date:
  text = re.sub(r'^the (\d+)(st|nd|rd|th) of ', r'\1 ', text)
  text = re.sub(r'(\d+)(st|nd|rd|th)', r'\1', text)
  d = datetime.datetime.strptime(text, _STRPTIME[fmt_name]).date()
  if '%y' in _STRPTIME[fmt_name]:
    # strptime pivots two-digit years at 69; the data set pivots at 50.
    yy = d.year % 100
    d = d.replace(year=(1900 if yy >= 50 else 2000) + yy)
  weekday = re.match(r'^([A-Za-z]+),? ', text)
  if weekday and weekday.group(1).lower()[:3] in [w.lower()[:3] for w in calendar.day_name]:
    assert weekday.group(1).lower()[:3] == calendar.day_name[d.weekday()].lower()[:3], text
  return d


@pytest.fixture(scope='module')
def splits():
  return dates.make_splits(seed=3, num_train=3000, num_dev=300, num_test=300)


def test_every_source_reads_back_to_its_target(splits):
  names = list(dates.FORMATS)
  seen_formats = set()
  for split in splits.values():
    for i in range(len(split['source'])):
      text = dates.decode_source(split['source'][i], split['source_length'][i])
      name = names[split['format'][i]]
      seen_formats.add(name)
      assert _parse(text, name).isoformat() == dates.decode_target(split['target'][i]), (text, name)
  assert seen_formats == set(names)


def test_teacher_forcing_shift(splits):
  s = splits['train']
  np.testing.assert_array_equal(s['target_input'][:, 0], dates.TARGET_BOS)
  np.testing.assert_array_equal(s['target_input'][:, 1:], s['target'][:, :-1])
  np.testing.assert_array_equal(s['target'][:, -1], dates.TARGET_EOS)


def test_dev_and_test_days_are_held_out(splits):
  days = {k: {dates.decode_target(t) for t in v['target']} for k, v in splits.items()}
  assert len(days['test']) == 300 and len(days['dev']) == 300  # distinct.
  assert not days['test'] & days['train']
  assert not days['dev'] & days['train']
  assert not days['dev'] & days['test']


def test_deterministic_given_seed():
  a = dates.make_splits(seed=7, num_train=50, num_dev=10, num_test=10)
  b = dates.make_splits(seed=7, num_train=50, num_dev=10, num_test=10)
  c = dates.make_splits(seed=8, num_train=50, num_dev=10, num_test=10)
  for split in a:
    for key in a[split]:
      np.testing.assert_array_equal(a[split][key], b[split][key])
  assert not np.array_equal(a['test']['source'], c['test']['source'])


def test_longest_text_fits():
  """Over every day and every format, the longest text fits MAX_SOURCE_LEN."""
  longest = 0
  for year in (1950, 2049):  # names are longest; every month and day.
    d = datetime.date(year, 1, 1)
    while d.year == year:
      longest = max(longest, max(len(f(d)) for f in dates.FORMATS.values()))
      d += datetime.timedelta(days=1)
  assert longest <= dates.MAX_SOURCE_LEN
  assert longest == 28


def test_examples_by_hand():
  d = datetime.date(1979, 5, 3)  # a Thursday.
  assert dates.FORMATS['d Month yyyy'](d) == '3 May 1979'
  assert dates.FORMATS['dd/mm/yy'](d) == '03/05/79'
  assert dates.FORMATS['weekday, month d yyyy'](d) == 'thursday, may 3 1979'
  assert dates.FORMATS['Month dth, yyyy'](d) == 'May 3rd, 1979'
  assert (
      dates.FORMATS['the dth of month yyyy'](datetime.date(2011, 1, 11))
      == 'the 11th of january 2011'
  )
  ids, lengths = dates.encode_source(['3 May 1979'])
  assert lengths[0] == 10 and dates.decode_source(ids[0], 10) == '3 May 1979'


def test_bad_input_raises():
  with pytest.raises(ValueError, match='source alphabet'):
    dates.encode_source(['3 mai 1979 é'])
  with pytest.raises(ValueError, match='MAX_SOURCE_LEN'):
    dates.encode_source(['x' * 40])
  with pytest.raises(ValueError, match='num_test'):
    dates.make_splits(num_test=0)
  with pytest.raises(ValueError, match='num_dev'):
    dates.make_splits(num_dev=20000, num_test=20000)


def test_registered_in_the_core_registry():
  from jaxdl.data.registry import load_dataset

  ds = load_dataset('dates', seed=0)
  assert ds.num_examples('train') == 20000 and ds.num_examples('test') == 1000
  assert ds.info.input_key == 'tokens' and ds.info.label_key == 'target'
  assert ds.info.num_classes == dates.TARGET_VOCAB_SIZE
  tokens = ds.splits['test']['tokens']
  np.testing.assert_array_equal(tokens[:, : dates.MAX_SOURCE_LEN], ds.splits['test']['source'])
