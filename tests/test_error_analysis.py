"""Tests for jaxdl.analysis.error_analysis (notes 3.10, 3.11)."""

import matplotlib.image
import numpy as np
import pytest
from scipy import ndimage

from jaxdl.analysis import error_analysis as ea
from jaxdl.data import corruptions


def _probs_for(predictions, num_classes, confidence):
  probs = np.full((len(predictions), num_classes), 0.0)
  rest = (1 - np.asarray(confidence)) / (num_classes - 1)
  probs += np.asarray(rest)[:, None]
  probs[np.arange(len(predictions)), predictions] = confidence
  return probs


def test_laplacian_matches_scipy():
  images = np.random.default_rng(0).random((3, 6, 7, 2))
  got = ea.laplacian(images)
  for n in range(3):
    for c in range(2):
      np.testing.assert_allclose(got[n, ..., c], ndimage.laplace(images[n, ..., c], mode='reflect'))


def test_builtin_tags_find_blurred_and_washed_out_images():
  rng = np.random.default_rng(1)
  images = (rng.random((40, 8, 8, 1)) > 0.5).astype(np.float32)
  images[10:20] = corruptions.gaussian_blur(images[10:20], 1.2)
  images[20:30] = corruptions.adjust_contrast(images[20:30], 0.1)
  tags = ea.image_tag_fns(images, quantile=0.25)
  example = lambda i: ea.ErrorExample(i, images[i], 0, 1, np.array([0.5, 0.5]))
  blurry = [i for i in range(40) if tags['blurry'](example(i))]
  low = [i for i in range(40) if tags['low_contrast'](example(i))]
  assert blurry == list(range(10, 20))
  # Blur lowers contrast too (std ~0.1), but a 0.1 factor lowers it more (~0.05).
  assert low == list(range(20, 30))
  # Sharpness is blind to contrast: washing out does not make an image 'blurry'.
  np.testing.assert_allclose(
      ea.sharpness(corruptions.adjust_contrast(images[:5], 0.2)),
      ea.sharpness(images[:5]),
      rtol=1e-5,
  )


def test_error_table_hand_example_markdown_and_csv():
  labels = np.array([0, 1, 2, 1, 0, 2])
  predictions = np.array([0, 2, 2, 0, 1, 1])  # errors at 1, 3, 4, 5
  probs = _probs_for(predictions, 3, np.full(6, 0.8))
  inputs = np.zeros((6, 2, 2, 1))
  manual = ea.read_manual_tags('index,tags,comment\n1,dog;blurry,Pitbull\n4,great cat,\n')
  table = ea.error_analysis(
      inputs,
      labels,
      probs,
      {'2 read as 1': ea.confusion_tag(2, 1), 'blurry': lambda e: e.index == 3},
      manual_tags=manual,
  )
  np.testing.assert_array_equal(table.indices, [1, 3, 4, 5])
  assert table.tags == ('2 read as 1', 'blurry', 'dog', 'great cat')
  np.testing.assert_array_equal(
      table.marks, [[0, 1, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]]
  )
  assert table.percent_per_tag() == {
      '2 read as 1': 25.0,
      'blurry': 50.0,
      'dog': 25.0,
      'great cat': 25.0,
  }
  md = table.to_markdown().splitlines()
  assert (
      md[0] == '| Example | Label | Predicted | 2 read as 1 | blurry | dog | great cat | Comments |'
  )
  assert md[2] == '| 1 | 1 | 2 |  | X | X |  | Pitbull |'
  assert md[-1] == '| % of 4 errors | | | 25% | 50% | 25% | 25% | |'
  csv_lines = table.to_csv().splitlines()
  assert csv_lines[1] == '1,1,2,0,1,1,0,Pitbull'
  assert csv_lines[-1] == '%,,,25.00,50.00,25.00,25.00,'


def test_error_analysis_samples_max_errors():
  labels = np.zeros(50, int)
  probs = _probs_for(np.ones(50, int), 2, np.full(50, 0.9))
  table = ea.error_analysis(np.zeros((50, 1)), labels, probs, {}, max_errors=10, seed=3)
  assert table.num_errors == 10 and len(set(table.indices)) == 10


def test_contact_sheet_png(tmp_path):
  images = np.random.default_rng(0).random((30, 8, 8, 1))
  labels = np.arange(30) % 10
  path = tmp_path / 'errors.png'
  ea.contact_sheet(
      images, np.arange(12), labels, (labels + 1) % 10, str(path), columns=5, title='dev errors'
  )
  png = matplotlib.image.imread(path)
  # 5 columns x 3 rows of 1.3 x 1.5 inch panels at 80 dpi.
  assert png.shape[:2] == (360, 520)
  assert png.std() > 0.05  # not blank
  with pytest.raises(ValueError, match='images must be'):
    ea.contact_sheet(images[..., 0], [0], labels, labels, str(path))


def test_mislabel_ranking_recovers_flipped_labels_and_their_share():
  rng = np.random.default_rng(0)
  n, c = 200, 5
  true = rng.integers(0, c, n)
  given = true.copy()
  flipped = np.array([3, 50, 77, 120, 199])
  given[flipped] = (true[flipped] + 1) % c
  # A model that learnt the true classes: confident on most examples...
  confidence = np.full(n, 0.9)
  confidence[flipped] = [0.97, 0.95, 0.99, 0.93, 0.96]
  predicted = true.copy()
  # ...plus 5 genuinely hard errors where it is unsure (p <= 0.4).
  hard = np.array([10, 20, 30, 40, 60])
  predicted[hard] = (true[hard] + 2) % c
  confidence[hard] = 0.4
  probs = _probs_for(predicted, c, confidence)
  ranked, losses = ea.rank_likely_mislabelled(probs, given, min_confidence=0.5)
  # Hand order: -log p(given) = -log((1 - conf) / 4), largest for the most confident.
  np.testing.assert_array_equal(ranked, [77, 3, 199, 50, 120])
  np.testing.assert_allclose(losses, -np.log((1 - np.array([0.99, 0.97, 0.96, 0.95, 0.93])) / 4))
  errors = ea.misclassified(probs, given)
  assert len(errors) == 10
  assert ea.share_of_errors(errors, ranked) == 0.5


def test_relabel_roundtrip_dev_and_test(tmp_path):
  splits = {
      'dev': {'label': np.array([0, 1, 2, 3])},
      'test': {'label': np.array([4, 4, 1])},
      'train': {'label': np.array([9])},
  }
  text = ea.relabel_candidates_csv({'dev': ([1, 3], [1, 3], [7, 3]), 'test': ([2], [1], [5])})
  path = tmp_path / 'relabel.csv'
  path.write_text(text)
  rows = ea.read_relabels(str(path))
  assert rows == [('dev', 1, 1, 7), ('dev', 3, 3, 3), ('test', 2, 1, 5)]
  new, changed = ea.apply_relabels(splits, rows)
  np.testing.assert_array_equal(new['dev']['label'], [0, 7, 2, 3])
  np.testing.assert_array_equal(new['test']['label'], [4, 4, 5])
  assert changed == {'dev': 1, 'test': 1, 'train': 0}
  np.testing.assert_array_equal(splits['dev']['label'], [0, 1, 2, 3])  # not modified
  with pytest.raises(ValueError, match="not \\['test'\\]"):
    ea.apply_relabels(splits, rows[:2])
  with pytest.raises(ValueError, match='old_label=2'):
    ea.apply_relabels(splits, [('dev', 0, 2, 1), ('test', 0, 4, 4)])
  with pytest.raises(ValueError, match='columns'):
    ea.read_relabels('split,index,label\ndev,1,2\n')


def test_bad_inputs_raise():
  with pytest.raises(ValueError, match='probs must be'):
    ea.misclassified(np.zeros((3, 2)), np.zeros(4))
  with pytest.raises(ValueError, match='quantile'):
    ea.image_tag_fns(np.zeros((2, 2, 2, 1)), quantile=1.5)
  with pytest.raises(ValueError, match='min_confidence'):
    ea.rank_likely_mislabelled(np.zeros((1, 2)), [0], min_confidence=2)
