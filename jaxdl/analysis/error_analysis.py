"""Error analysis and mislabelled data (notes 3.10, 3.11).

3.10: take the dev examples the model gets wrong, tag each with the reasons
that apply (dog, great cat, blurry, ... plus free comments), and count the
share of errors per tag. The shares bound what fixing each cause could gain
("ceiling"), which chooses the next idea to work on.

3.11: some "errors" are label errors. Rank the examples most likely to be
mislabelled (high loss while the model confidently predicts another class),
report the share of errors they account for, and fix labels through one
relabel CSV applied to dev *and* test, so the two stay one distribution.

Host-side numpy + matplotlib; inputs are a split's arrays and the model's
predicted probabilities.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Callable, Iterable, Mapping, Optional, Sequence

import numpy as np


@dataclasses.dataclass(frozen=True)
class ErrorExample:
  """One misclassified example, as a tag function sees it.

  Attributes:
    index: position in the split.
    image: [H, W, C] input (or whatever the split's input is).
    label: true class.
    prediction: predicted class (argmax of probs).
    probs: [num_classes] predicted probabilities.
  """

  index: int
  image: np.ndarray
  label: int
  prediction: int
  probs: np.ndarray


TagFn = Callable[[ErrorExample], bool]


# ---- built-in image tags -------------------------------------------------


def laplacian(images) -> np.ndarray:
  """5-point Laplacian over height and width with mirrored borders.

  Args:
    images: [N, H, W, C].

  Returns:
    [N, H, W, C] float64, equal to scipy.ndimage.laplace per image and channel.
  """
  x = np.asarray(images, np.float64)
  p = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), mode='symmetric')
  return p[:, :-2, 1:-1] + p[:, 2:, 1:-1] + p[:, 1:-1, :-2] + p[:, 1:-1, 2:] - 4 * x


def sharpness(images) -> np.ndarray:
  """[N] variance of the Laplacian over the pixel variance: low for blurry images.

  Dividing by the pixel variance makes the measure blind to contrast (both
  scale with the contrast squared), so a washed-out but sharp image is not
  called blurry. A constant image has sharpness 0.
  """
  n = len(images)
  lap_var = laplacian(images).reshape(n, -1).var(axis=1)
  pixel_var = np.asarray(images, np.float64).reshape(n, -1).var(axis=1)
  return np.where(pixel_var > 1e-12, lap_var / np.maximum(pixel_var, 1e-12), 0.0)


def contrast(images) -> np.ndarray:
  """[N] pixel standard deviation (RMS contrast): low for washed-out images."""
  images = np.asarray(images, np.float64)
  return images.reshape(len(images), -1).std(axis=1)


def image_tag_fns(reference_images, quantile: float = 0.25) -> dict[str, TagFn]:
  """Built-in 'blurry' and 'low_contrast' tags, calibrated on reference images.

  "Blurry" is relative: an 8x8 digit and a photo have different sharpness
  scales. An image is tagged when its sharpness (or contrast) is below the
  `quantile` of the reference images (typically the whole dev set).

  Args:
    reference_images: [N, H, W, C] images that set the thresholds.
    quantile: in (0, 1).

  Returns:
    {'blurry': fn, 'low_contrast': fn}, each fn(ErrorExample) -> bool.
  """
  if not 0 < quantile < 1:
    raise ValueError(f'quantile must be in (0, 1), got {quantile}')
  sharp_threshold = np.quantile(sharpness(reference_images), quantile)
  contrast_threshold = np.quantile(contrast(reference_images), quantile)
  return {
      'blurry': lambda e: bool(sharpness(e.image[None])[0] < sharp_threshold),
      'low_contrast': lambda e: bool(contrast(e.image[None])[0] < contrast_threshold),
  }


def confusion_tag(label: int, prediction: int) -> TagFn:
  """Tag for one confusion, e.g. 'a 7 read as a 1' (3.10's "dogs read as cats")."""
  return lambda e: e.label == label and e.prediction == prediction


def membership_tag(indices: Iterable[int]) -> TagFn:
  """Tag for a set of example indices (e.g. those ranked likely mislabelled)."""
  members = set(int(i) for i in indices)
  return lambda e: e.index in members


# ---- the 3.10 table ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ErrorTable:
  """The 3.10 table: misclassified examples x tags, with comments.

  Attributes:
    indices: [E] split indices of the misclassified examples.
    labels: [E] true classes.
    predictions: [E] predicted classes.
    tags: tag names (columns), in order.
    marks: [E, T] bool, marks[e, t] = example e has tag t.
    comments: [E] free text (from the manual CSV).
  """

  indices: np.ndarray
  labels: np.ndarray
  predictions: np.ndarray
  tags: tuple[str, ...]
  marks: np.ndarray
  comments: tuple[str, ...]

  @property
  def num_errors(self) -> int:
    return len(self.indices)

  def percent_per_tag(self) -> dict[str, float]:
    """{tag: % of the errors with that tag}; tags overlap, so these need not sum to 100."""
    if self.num_errors == 0:
      return {t: 0.0 for t in self.tags}
    return {t: 100.0 * float(self.marks[:, i].mean()) for i, t in enumerate(self.tags)}

  def to_markdown(self, max_rows: Optional[int] = None) -> str:
    """Markdown table in the layout of notes 3.10, ending with the '%' row."""
    header = ['Example', 'Label', 'Predicted', *self.tags, 'Comments']
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    rows = range(self.num_errors if max_rows is None else min(max_rows, self.num_errors))
    for e in rows:
      cells = [
          str(self.indices[e]),
          str(self.labels[e]),
          str(self.predictions[e]),
          *('X' if m else '' for m in self.marks[e]),
          self.comments[e],
      ]
      lines.append('| ' + ' | '.join(cells) + ' |')
    if max_rows is not None and self.num_errors > max_rows:
      lines.append(f'| ... {self.num_errors - max_rows} more | | |' + ' |' * len(self.tags) + ' |')
    percent = self.percent_per_tag()
    lines.append(
        f'| % of {self.num_errors} errors | | | '
        + ' | '.join(f'{percent[t]:.0f}%' for t in self.tags)
        + ' | |'
    )
    return '\n'.join(lines)

  def to_csv(self) -> str:
    """CSV text: one row per error (0/1 per tag), then a '%' row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(['index', 'label', 'prediction', *self.tags, 'comment'])
    for e in range(self.num_errors):
      writer.writerow(
          [
              self.indices[e],
              self.labels[e],
              self.predictions[e],
              *(int(m) for m in self.marks[e]),
              self.comments[e],
          ]
      )
    percent = self.percent_per_tag()
    writer.writerow(['%', '', '', *(f'{percent[t]:.2f}' for t in self.tags), ''])
    return out.getvalue()


def misclassified(probs, labels) -> np.ndarray:
  """[E] indices where argmax(probs) != label.

  Args:
    probs: [N, num_classes] probabilities (or logits: only the argmax is used).
    labels: [N] int classes.
  """
  probs, labels = _check_probs(probs, labels)
  return np.flatnonzero(probs.argmax(axis=1) != labels)


def read_manual_tags(path_or_text: str) -> dict[int, tuple[set[str], str]]:
  """Reads manual tags: CSV with columns index, tags (';'-separated), comment.

  Args:
    path_or_text: a file path, or the CSV text itself if it contains a newline.

  Returns:
    {index: (tags, comment)}.
  """
  text = path_or_text if '\n' in path_or_text else _read(path_or_text)
  reader = csv.DictReader(io.StringIO(text))
  if reader.fieldnames is None or 'index' not in reader.fieldnames:
    raise ValueError(
        f'manual tags CSV must have columns index,tags,comment; got {reader.fieldnames}'
    )
  out = {}
  for row in reader:
    tags = {t.strip() for t in (row.get('tags') or '').split(';') if t.strip()}
    out[int(row['index'])] = (tags, (row.get('comment') or '').strip())
  return out


def error_analysis(
    inputs,
    labels,
    probs,
    tag_fns: Mapping[str, TagFn],
    manual_tags: Optional[Mapping[int, tuple[set[str], str]]] = None,
    max_errors: Optional[int] = None,
    seed: int = 0,
) -> ErrorTable:
  """Builds the 3.10 table for the misclassified examples of a split.

  Args:
    inputs: [N, ...] the split's inputs (images for the built-in tags).
    labels: [N] true classes.
    probs: [N, num_classes] predicted probabilities.
    tag_fns: {tag: fn(ErrorExample) -> bool}, e.g. image_tag_fns(...) plus user
      predicates such as confusion_tag(7, 1).
    manual_tags: {index: (tags, comment)} from read_manual_tags; its tags become
      extra columns after the tag_fns ones.
    max_errors: look at a random sample of this many errors (3.10 looks at
      ~100, not all); None = all.
    seed: for that sample.

  Returns:
    an ErrorTable.
  """
  probs, labels = _check_probs(probs, labels)
  inputs = np.asarray(inputs)
  if len(inputs) != len(labels):
    raise ValueError(f'inputs ({len(inputs)}) and labels ({len(labels)}) must have the same length')
  errors = misclassified(probs, labels)
  if max_errors is not None and len(errors) > max_errors:
    errors = np.sort(np.random.default_rng(seed).choice(errors, max_errors, replace=False))
  manual_tags = dict(manual_tags or {})
  manual_names = sorted({t for tags, _ in manual_tags.values() for t in tags} - set(tag_fns))
  names = (*tag_fns, *manual_names)
  predictions = probs.argmax(axis=1)
  marks = np.zeros((len(errors), len(names)), bool)
  comments = []
  for row, i in enumerate(errors):
    example = ErrorExample(int(i), inputs[i], int(labels[i]), int(predictions[i]), probs[i])
    manual, comment = manual_tags.get(int(i), (set(), ''))
    for col, name in enumerate(names):
      marks[row, col] = (name in manual) or (name in tag_fns and bool(tag_fns[name](example)))
    comments.append(comment)
  return ErrorTable(
      errors, labels[errors], predictions[errors], tuple(names), marks, tuple(comments)
  )


# ---- contact sheet -------------------------------------------------------


def contact_sheet(
    images,
    indices,
    labels,
    predictions,
    path: str,
    columns: int = 10,
    class_names: Optional[Sequence[str]] = None,
    title: str = '',
) -> None:
  """Saves a PNG grid of the given examples, each titled 'i: y -> ŷ'.

  Args:
    images: [N, H, W, C] float in [0, 1], C = 1 or 3.
    indices: which examples to show (e.g. ErrorTable.indices).
    labels, predictions: [N] classes (indexed by `indices`).
    path: output PNG path.
    columns: panels per row.
    class_names: optional names for the classes.
    title: figure title.
  """
  import matplotlib

  matplotlib.use('Agg')
  import matplotlib.pyplot as plt

  images = np.asarray(images)
  if images.ndim != 4 or images.shape[-1] not in (1, 3):
    raise ValueError(f'images must be [N, H, W, 1 or 3], got shape {images.shape}')
  indices = np.asarray(indices, int).reshape(-1)
  rows = max(1, -(-len(indices) // columns))
  fig, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.5 * rows), squeeze=False)
  name = (lambda c: str(c)) if class_names is None else (lambda c: class_names[c])
  for k, ax in enumerate(axes.flat):
    ax.axis('off')
    if k >= len(indices):
      continue
    i = indices[k]
    image = np.clip(images[i], 0, 1)
    ax.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap='gray', vmin=0, vmax=1)
    ax.set_title(f'{i}: {name(labels[i])}->{name(predictions[i])}', fontsize=7)
  if title:
    fig.suptitle(title, fontsize=9)
  fig.tight_layout()
  fig.savefig(path, dpi=80)
  plt.close(fig)


# ---- mislabelled examples (3.11) ----------------------------------------


def rank_likely_mislabelled(probs, labels, min_confidence: float = 0.5):
  """Examples most likely mislabelled: high loss while confident in another class.

  A model that fits the clean majority assigns low probability to a wrong label
  and high probability to the true class; a merely hard example has no
  confident alternative.

  Args:
    probs: [N, num_classes] probabilities.
    labels: [N] given labels.
    min_confidence: the predicted (other) class needs at least this probability.

  Returns:
    (indices, losses): candidates sorted by cross-entropy -log p(label),
    highest first.
  """
  if not 0 <= min_confidence <= 1:
    raise ValueError(f'min_confidence must be in [0, 1], got {min_confidence}')
  probs, labels = _check_probs(probs, labels)
  loss = -np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, 1.0))
  predicted = probs.argmax(axis=1)
  flagged = np.flatnonzero((predicted != labels) & (probs.max(axis=1) >= min_confidence))
  order = flagged[np.argsort(-loss[flagged], kind='stable')]
  return order, loss[order]


def share_of_errors(error_indices, subset) -> float:
  """Fraction of the errors that lie in `subset` (e.g. confirmed mislabels, 3.11)."""
  error_indices = set(int(i) for i in np.asarray(error_indices).reshape(-1))
  if not error_indices:
    return 0.0
  return len(error_indices & set(int(i) for i in np.asarray(subset).reshape(-1))) / len(
      error_indices
  )


RELABEL_FIELDS = ('split', 'index', 'old_label', 'new_label')


def relabel_candidates_csv(
    candidates: Mapping[str, tuple[Sequence[int], Sequence[int], Sequence[int]]],
) -> str:
  """CSV for a reviewer: one row per candidate, new_label pre-filled with the prediction.

  Args:
    candidates: {split: (indices, given labels, predicted labels)}; pass dev and
      test together so that both get the same review (3.11).

  Returns:
    CSV text with columns split,index,old_label,new_label. The reviewer keeps
    a row (accept), edits new_label, or sets it equal to old_label (label was right).
  """
  out = io.StringIO()
  writer = csv.writer(out, lineterminator='\n')
  writer.writerow(RELABEL_FIELDS)
  for split, (indices, old, new) in candidates.items():
    for i, o, n in zip(indices, old, new):
      writer.writerow([split, int(i), int(o), int(n)])
  return out.getvalue()


def read_relabels(path_or_text: str) -> list[tuple[str, int, int, int]]:
  """Reads a relabel CSV into [(split, index, old_label, new_label)]."""
  text = path_or_text if '\n' in path_or_text else _read(path_or_text)
  reader = csv.DictReader(io.StringIO(text))
  if reader.fieldnames is None or tuple(reader.fieldnames) != RELABEL_FIELDS:
    raise ValueError(
        f'relabel CSV must have columns {",".join(RELABEL_FIELDS)}, ' f'got {reader.fieldnames}'
    )
  return [(r['split'], int(r['index']), int(r['old_label']), int(r['new_label'])) for r in reader]


def apply_relabels(
    splits: Mapping[str, Mapping[str, np.ndarray]],
    relabels,
    label_key: str = 'label',
    require_splits: Sequence[str] = ('dev', 'test'),
):
  """Applies reviewed labels to every split, dev and test alike (notes 3.11).

  Args:
    splits: {split name: {key: array}}; not modified.
    relabels: rows (split, index, old_label, new_label) from read_relabels.
    label_key: the key of the labels in each split.
    require_splits: splits the review must cover (at least one row each), so
      that a correction is never applied to dev without test; () disables.

  Returns:
    (new splits, {split: number of labels changed}).

  Raises:
    ValueError: a required split was not reviewed, an unknown split or index,
      or old_label disagrees with the split (the CSV belongs to other data).
  """
  reviewed = {row[0] for row in relabels}
  missing = [s for s in require_splits if s in splits and s not in reviewed]
  if missing:
    raise ValueError(
        f'relabels cover {sorted(reviewed)} but not {missing}: review dev and test '
        'with the same process (3.11), or pass require_splits=()'
    )
  new = {name: dict(split) for name, split in splits.items()}
  changed = {name: 0 for name in splits}
  for name, index, old, label in relabels:
    if name not in splits:
      raise ValueError(f'relabel split {name!r} is not one of {sorted(splits)}')
    labels = new[name][label_key]
    if labels is splits[name][label_key]:
      labels = new[name][label_key] = np.array(labels, copy=True)
    if not 0 <= index < len(labels):
      raise ValueError(f'relabel index {index} out of range for split {name!r} ({len(labels)})')
    if labels[index] != old:
      raise ValueError(f'{name}[{index}] has label {labels[index]}, the CSV says old_label={old}')
    if label != old:
      labels[index] = label
      changed[name] += 1
  return new, changed


def _read(path: str) -> str:
  with open(path) as f:
    return f.read()


def _check_probs(probs, labels):
  probs = np.asarray(probs, np.float64)
  labels = np.asarray(labels).astype(int).reshape(-1)
  if probs.ndim != 2 or probs.shape[0] != labels.shape[0]:
    raise ValueError(
        f'probs must be [N, num_classes] with N = len(labels) = {len(labels)}, '
        f'got shape {probs.shape}'
    )
  return probs, labels
