"""Splits for a train/dev distribution mismatch, built from the digits (notes 3.12, 3.13).

Distribution A: the clean scanned digits ("images from the web").
Distribution B: other digits through `jaxdl.data.corruptions.user_photos`
(blurred, noisy, off-centre, washed out: "images from users"). As 3.12
advises, dev and test come from B only, the distribution we care about;
train is A, optionally with a share of B added; train-dev is held out of
the training distribution, never trained on, so that

  train -> train-dev  measures variance and
  train-dev -> dev    measures data mismatch.

Artificial data synthesis (3.13) applies B-like corruptions to A's images
before they enter train (and train-dev, which must keep train's distribution).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from jaxdl.data import corruptions
from jaxdl.data.dataset import Dataset, Split, take
from jaxdl.data.digits import load as load_digits
from jaxdl.data.splits import split_indices

# Distinct streams, so B's corruptions are never the very draws used for synthesis.
_B_STREAM, _SYNTH_STREAM = 1000, 2000


def _concat(a: Split, b: Split) -> Split:
  return {k: np.concatenate([a[k], b[k]]) for k in a}


def mismatch_splits(
    pool: Split,
    *,
    seed: int = 0,
    a_fraction: float = 0.6,
    train_dev_fraction: float = 0.15,
    b_in_train: float = 0.0,
    photos: corruptions.UserPhotos = corruptions.UserPhotos(),
    synthesis: Sequence[str] = (),
    synthesis_copies: int = 1,
) -> dict[str, Split]:
  """train / train_dev / dev / test for a distribution mismatch.

  Args:
    pool: {'image': [N, H, W, C] in [0, 1], 'label': [N]} clean images.
    seed: all splits and corruptions are a function of it.
    a_fraction: share of the pool that forms distribution A (the rest is B).
    train_dev_fraction: share of the training distribution held out as train-dev.
    b_in_train: share of B moved into the training distribution (3.12: "add
      some of the small data set into the training set"); the rest of B is
      split into dev and test.
    photos: the corruption ranges that make B.
    synthesis: corruptions (from jaxdl.data.corruptions.CORRUPTIONS) applied
      to A's images with `photos`' ranges; () for none.
    synthesis_copies: corrupted copies made of each A image (3.13: synthesis
      can make much more data than was collected). Train and train-dev are
      split before copying, so no image has copies on both sides.

  Returns:
    {'train', 'train_dev', 'dev', 'test'} splits; dev and test hold only B.
  """
  for name, value in (('a_fraction', a_fraction), ('train_dev_fraction', train_dev_fraction)):
    if not 0 < value < 1:
      raise ValueError(f'{name} must be in (0, 1), got {value}')
  if not 0 <= b_in_train < 1:
    raise ValueError(f'b_in_train must be in [0, 1), got {b_in_train}')
  if synthesis_copies < 1:
    raise ValueError(f'synthesis_copies must be >= 1, got {synthesis_copies}')
  labels = pool['label']
  idx_a, idx_b = split_indices(len(labels), (a_fraction, 1 - a_fraction), seed, labels)
  a, b = take(pool, idx_a), take(pool, idx_b)
  b['image'] = corruptions.user_photos(b['image'], seed + _B_STREAM, photos)

  def hold_out(split, offset):
    keep, held = split_indices(
        len(split['label']),
        (1 - train_dev_fraction, train_dev_fraction),
        seed + offset,
        split['label'],
    )
    return take(split, keep), take(split, held)

  a_train, a_held = hold_out(a, 2)
  if synthesis:
    params = corruptions.UserPhotos(
        photos.blur_sigma, photos.noise_std, photos.max_shift, photos.contrast, tuple(synthesis)
    )

    def synthesize(split, offset):
      copies = [
          {
              **split,
              'image': corruptions.user_photos(
                  split['image'], seed + _SYNTH_STREAM + offset + 10 * c, params
              ),
          }
          for c in range(synthesis_copies)
      ]
      return {k: np.concatenate([c[k] for c in copies]) for k in split}

    a_train, a_held = synthesize(a_train, 0), synthesize(a_held, 1)
  train, train_dev = a_train, a_held
  if b_in_train > 0:
    b_train, b_eval = split_indices(
        len(b['label']), (b_in_train, 1 - b_in_train), seed + 1, b['label']
    )
    b_keep, b_held = hold_out(take(b, b_train), 4)
    train, train_dev, b = _concat(train, b_keep), _concat(train_dev, b_held), take(b, b_eval)
  dev, test = split_indices(len(b['label']), (0.5, 0.5), seed + 3, b['label'])
  return {'train': train, 'train_dev': train_dev, 'dev': take(b, dev), 'test': take(b, test)}


def mismatch_dataset(seed: int = 0, **kwargs) -> Dataset:
  """The digits as a mismatch Dataset; kwargs as in `mismatch_splits`."""
  raw, info = load_digits(seed)
  return Dataset('digits_mismatch', mismatch_splits(raw['all'], seed=seed, **kwargs), info)
