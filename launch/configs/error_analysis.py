"""Error analysis of a trained run's checkpoint (notes 3.10, 3.11).

  python launch/train.py --workdir=/tmp/jaxdl_train          # any finished run
  python launch/error_analysis.py --workdir=/tmp/jaxdl_errors \
      --config.source_workdir=/tmp/jaxdl_train [--config.source_config=launch/configs/train.py]
  # after reviewing /tmp/jaxdl_errors/relabel_candidates.csv:
  python launch/error_analysis.py ... --config.relabel_csv=/tmp/jaxdl_errors/relabel_candidates.csv

Default: the digits run of launch/configs/train.py; 3% of dev/test labels
flipped on purpose to measure the mislabel ranking. Seconds on a 2-core
CPU. Expected on the default train.py run: the flips explain most of the
dev errors, and the mislabel ranking flags nearly all of them with few
false alarms (BUILD.md has the figures).
"""

import ml_collections


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.seed = 0  # seeds the error sample and the injected label noise
  c.source_config = 'launch/configs/train.py'  # the analysed run's config file[:variant]
  c.source_workdir = ''  # the analysed run's --workdir (required)
  c.checkpoint = 'best'  # best (by its dev metric) | latest
  c.inject_label_noise = 0.03  # share of dev/test labels flipped to test the ranking; 0 = off
  c.tag_quantile = 0.25  # blurry / low contrast = in the lowest quarter of dev
  c.num_confusion_tags = 3  # most frequent (label -> prediction) pairs as tags
  c.manual_tags_csv = ''  # CSV index,tags(;-separated),comment of hand-made tags
  c.max_errors = 100  # errors sampled for the table (3.10 looks at ~100); 0 = all
  c.max_rows = 30  # rows printed in the Markdown table; 0 = all
  c.sheet_size = 50  # errors in the contact sheet PNG
  c.mislabel_min_confidence = 0.9  # a likely mislabel is predicted as another class with p >= this
  c.relabel_top_k = 20  # candidates per split written for review (dev and test alike)
  c.relabel_csv = ''  # a reviewed relabel CSV to apply to dev and test; '' = none
  if variant == 'smoke':
    c.source_config = 'launch/configs/train.py:smoke'
    c.max_errors = 20
    c.sheet_size = 10
  elif variant:
    raise ValueError(f"unknown config variant {variant!r}; accepted: '', 'smoke'")
  return c
