"""Generated 1D signals and 3D volumes for the 1D/3D ConvNets (notes 4.14.2).

Both sets are offline, deterministic per seed (jaxdl.data.generated: each split
from its own seed) and exactly class-balanced (labels are a shuffled
``arange(n) % num_classes``).

* ``ecg``: single-lead ECG-like records, [N, length, 1] float32. Each beat is a
  sum of Gaussian bumps for the P, Q, R, S and T waves (McSharry et al. 2003,
  "A dynamical model for generating synthetic electrocardiogram signals").
  The five classes differ in beat *shape* or rhythm, never in heart rate
  alone: every record draws its rate from the same 55-110 bpm range, its gain,
  the amplitude, width and timing of every wave, a random start inside the
  cycle (a time shift), baseline wander and white noise.
* ``shapes3d``: [N, side, side, side, 1] float32 volumes holding one shape at a
  random position and size, with random brightness, a dim random background
  level and Gaussian noise: a solid sphere, a hollow cube shell, a rod along
  one of the three axes, or a cross of three orthogonal arms.
"""

from __future__ import annotations

import numpy as np

from jaxdl.data.dataset import Dataset, DatasetInfo, Split
from jaxdl.data.generated import generated_splits

ECG_CLASSES = ('normal', 'wide_qrs', 'inverted_t', 'af_like', 'pvc')
SHAPE_CLASSES = ('sphere', 'cube_shell', 'rod', 'cross')

# (centre seconds from R, amplitude in mV, width sigma seconds) of a normal beat.
_WAVES = {
    'P': (-0.20, 0.15, 0.025),
    'Q': (-0.035, -0.12, 0.010),
    'R': (0.0, 1.0, 0.012),
    'S': (0.035, -0.25, 0.010),
    'T': (0.26, 0.30, 0.045),
}


def balanced_labels(num_examples: int, num_classes: int, rng: np.random.Generator) -> np.ndarray:
  """[N] int32: each class num_examples // num_classes times (+1 for the first few), shuffled."""
  return rng.permutation(np.arange(num_examples) % num_classes).astype(np.int32)


def _beat(t: np.ndarray, r_time: float, waves: dict, rng: np.random.Generator) -> np.ndarray:
  """One beat's samples at times t (seconds); every wave jittered by about 15 %."""
  out = np.zeros_like(t)
  for centre, amp, width in waves.values():
    c = r_time + centre * rng.uniform(0.85, 1.15)
    a = amp * rng.uniform(0.8, 1.2)
    w = width * rng.uniform(0.85, 1.15)
    out += a * np.exp(-0.5 * ((t - c) / w) ** 2)
  return out


def _ecg_record(label: int, length: int, rate_hz: float, rng: np.random.Generator) -> np.ndarray:
  t = np.arange(length) / rate_hz
  rr = 60.0 / rng.uniform(55, 110)  # seconds between beats
  normal = dict(_WAVES)
  if ECG_CLASSES[label] == 'wide_qrs':  # bundle-branch-like: slow ventricular conduction
    normal.update(
        Q=(-0.06, -0.15, 0.022), R=(0.0, 0.9, 0.035), S=(0.07, -0.35, 0.025), T=(0.30, -0.2, 0.06)
    )
  elif ECG_CLASSES[label] == 'inverted_t':  # ischaemia-like
    normal['T'] = (0.26, -0.30, 0.045)
  elif ECG_CLASSES[label] == 'af_like':  # no P wave; fibrillatory baseline below
    del normal['P']
  ectopic = {  # a premature ventricular beat: no P, wide tall QRS, discordant T
      'R': (0.0, 1.4, 0.04),
      'S': (0.08, -0.4, 0.03),
      'T': (0.32, -0.4, 0.07),
  }
  irregular = ECG_CLASSES[label] == 'af_like'
  r_times = [-rng.uniform(0, rr)]  # random phase: the window starts anywhere in a cycle
  while r_times[-1] < t[-1] + 0.5:
    r_times.append(
        r_times[-1] + rr * (rng.uniform(0.6, 1.4) if irregular else rng.uniform(0.95, 1.05))
    )
  ectopic_at = -1
  if ECG_CLASSES[label] == 'pvc':
    # A premature beat 0.35 RR early, fully inside the window; the sinus rhythm goes on
    # (a compensatory pause follows it).
    inside = [i for i, r in enumerate(r_times) if 0.2 <= r - 0.35 * rr <= t[-1] - 0.4]
    ectopic_at = inside[rng.integers(len(inside))]
  x = np.zeros(length)
  for i, r_time in enumerate(r_times):
    if i == ectopic_at:
      x += _beat(t, r_time - 0.35 * rr, ectopic, rng)
    else:
      x += _beat(t, r_time, normal, rng)
  if ECG_CLASSES[label] == 'af_like':
    f = rng.uniform(4, 8)
    x += rng.uniform(0.03, 0.08) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
  x *= rng.uniform(0.6, 1.4)  # electrode gain
  wander_f = rng.uniform(0.1, 0.5)  # breathing
  x += rng.uniform(0.05, 0.3) * np.sin(2 * np.pi * wander_f * t + rng.uniform(0, 2 * np.pi))
  x += rng.uniform(0.02, 0.08) * rng.normal(size=length)  # muscle / electrode noise
  return x


def ecg_signals(
    num_examples: int, rng: np.random.Generator, length: int = 256, rate_hz: float = 100.0
) -> Split:
  """ECG-like records of the five ECG_CLASSES.

  Args:
    num_examples: N.
    rng: the only source of randomness.
    length: samples per record.
    rate_hz: sampling rate; length / rate_hz seconds hold 2-5 beats at 55-110 bpm
      for the defaults (2.56 s).

  Returns:
    {'signal': [N, length, 1] float32 (mV-like units), 'label': [N] int32}.
  """
  if length / rate_hz < 2.0:
    raise ValueError(
        f'records must last >= 2 s to hold a premature beat, got {length} samples at {rate_hz} Hz'
    )
  labels = balanced_labels(num_examples, len(ECG_CLASSES), rng)
  x = np.stack([_ecg_record(int(y), length, rate_hz, rng) for y in labels])
  return {'signal': x[..., None].astype(np.float32), 'label': labels}


def _shape_mask(label: int, side: int, rng: np.random.Generator) -> np.ndarray:
  """[side]^3 float mask of one shape of SHAPE_CLASSES[label]."""
  grid = np.stack(np.meshgrid(*(np.arange(side),) * 3, indexing='ij'), -1).astype(np.float32)
  name = SHAPE_CLASSES[label]
  if name == 'sphere':
    r = rng.uniform(2.5, side / 4 + 1)
    c = rng.uniform(r, side - 1 - r, 3)
    return (np.linalg.norm(grid - c, axis=-1) <= r).astype(np.float32)
  if name == 'cube_shell':
    h = rng.integers(3, side // 4 + 2)  # half side
    c = rng.integers(h, side - h, 3)
    d = np.abs(grid - c).max(-1)  # Chebyshev distance: cubes are its level sets
    return (d == h).astype(np.float32)
  # rod and cross: arms of radius ~1 along axes through a centre point
  axes = [rng.integers(3)] if name == 'rod' else [0, 1, 2]
  half = rng.integers(4, side // 2 - 1) if name == 'rod' else rng.integers(3, side // 2 - 2)
  c = rng.integers(half, side - half, 3)
  mask = np.zeros((side,) * 3, np.float32)
  for a in axes:
    others = [o for o in range(3) if o != a]
    across = np.linalg.norm(grid[..., others] - c[others], axis=-1)
    along = np.abs(grid[..., a] - c[a])
    mask = np.maximum(mask, ((across <= 1.0) & (along <= half)).astype(np.float32))
  return mask


def shape_volumes(num_examples: int, rng: np.random.Generator, side: int = 16) -> Split:
  """Volumes of the four SHAPE_CLASSES.

  Returns:
    {'volume': [N, side, side, side, 1] float32, 'label': [N] int32}.
  """
  if side < 12:
    raise ValueError(f'side must be >= 12 voxels for the shapes to fit, got {side}')
  labels = balanced_labels(num_examples, len(SHAPE_CLASSES), rng)
  x = np.empty((num_examples, side, side, side), np.float32)
  for i, y in enumerate(labels):
    brightness = rng.uniform(0.6, 1.2)
    background = rng.uniform(0.0, 0.3)
    noise = rng.uniform(0.15, 0.35)
    x[i] = background + brightness * _shape_mask(int(y), side, rng)
    x[i] += noise * rng.normal(size=(side,) * 3).astype(np.float32)
  return {'volume': x[..., None], 'label': labels}


def load_nd_dataset(name: str, sizes: dict, seed: int, size: int) -> Dataset:
  """The 'ecg' or 'shapes3d' dataset.

  Args:
    name: 'ecg' (size = samples per record) or 'shapes3d' (size = voxels per side).
    sizes: examples per split, {'train': ..., 'dev': ..., 'test': ...}.
    seed: the data seed; each split has its own stream.
    size: see name.

  Returns:
    A Dataset whose DatasetInfo.input_key is 'signal' ([N, size, 1]) or 'volume'
    ([N, size, size, size, 1]), labels 'label' [N] int32.
  """
  if name == 'ecg':
    splits = generated_splits(lambda n, rng: ecg_signals(n, rng, length=size), sizes, seed)
    info = DatasetInfo(
        num_classes=len(ECG_CLASSES),
        input_key='signal',
        class_names=ECG_CLASSES,
        description=f'ECG-like records, {size} samples at 100 Hz, 5 beat-shape classes (generated)',
    )
  elif name == 'shapes3d':
    splits = generated_splits(lambda n, rng: shape_volumes(n, rng, side=size), sizes, seed)
    info = DatasetInfo(
        num_classes=len(SHAPE_CLASSES),
        input_key='volume',
        class_names=SHAPE_CLASSES,
        description=f'{size}^3 volumes, one of 4 noisy shapes at a random place (generated)',
    )
  else:
    raise ValueError(f"unknown nd dataset {name!r}; accepted: 'ecg', 'shapes3d'")
  return Dataset(name, splits, info)
