"""Transfer learning: clean digits (task A) -> 5 "user photo" digits per class (task B) (notes 3.14).

  python launch/transfer.py --workdir=/tmp/jaxdl_transfer
  python launch/transfer.py --config=launch/configs/transfer.py:smoke --workdir=/tmp/tr
  python launch/transfer.py --config.transfer.pretrained_workdir=/tmp/jaxdl_transfer/pretrain_a \
      --workdir=/tmp/tr2      # reuse another run's checkpoint instead of pretraining

  python launch/transfer.py --config.transfer.task=classes --workdir=/tmp/tr3  # A 0-4, B 5-9

Default: SmallCNN pretrained on 60% of the digits (clean, 30 epochs), then
200 Adam steps on B's 50 training photos (5 per class, made from the other
digits) for each of scratch / frozen backbone / full fine-tuning (backbone at
0.1x the learning rate). About 1 minute on a 2-core CPU. Expected on B:
fine-tuning beats the frozen backbone, which beats scratch. With
task=classes (0-4 -> 5-9) this small CNN's features do not transfer and
scratch wins; logistic regression on its pretrained dense features is no
better than on random ones, and raw pixels do better than both (BUILD.md
has the figures).
"""

import ml_collections

from jaxdl.review.config_file import load_config, sibling


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  # The pretraining run on A uses the base training config: see train.py.
  c = load_config(sibling(__file__, 'train.py:smoke' if variant == 'smoke' else 'train.py'))
  c.dataset = 'digits'  # documentation only: A and B are built from the digits
  c.transfer = ml_collections.ConfigDict()
  c.transfer.task = 'photos'  # photos: A clean digits, B user photos | classes: A 0-4, B 5-9
  c.transfer.shots_per_class = 5  # labelled training examples per class of task B
  c.transfer.blur_sigma = (0.3, 0.8)  # photos: B's blur sigma range, pixels
  c.transfer.noise_std = (0.02, 0.1)  # photos: B's pixel noise std range
  c.transfer.max_shift = 1  # photos: B's shifts, pixels per axis
  c.transfer.contrast = (0.5, 0.9)  # photos: B's contrast factor range
  c.transfer.head_modules = ('head',)  # new, always-trained top modules (the rest is the backbone)
  c.transfer.pretrained_workdir = ''  # another run's workdir to load; '' = pretrain on A here
  c.transfer.checkpoint = 'best'  # best (by dev error) | latest checkpoint of that run
  c.transfer.modes = ('scratch', 'frozen', 'finetune')  # runs compared on B
  c.transfer.backbone_lr_scale = 0.1  # finetune: backbone learning rate / head learning rate
  c.transfer.steps = 200  # optimizer steps on B, the same budget for every mode
  c.transfer.batch_size = 16  # global batch on B (<= its training examples; divisible by devices)
  c.transfer.eval_every_steps = 50  # dev evaluations for the TensorBoard curves
  c.transfer.optimizer = ml_collections.ConfigDict()
  c.transfer.optimizer.name = 'adam'  # as in jaxdl/optim/factory.py
  c.transfer.optimizer.learning_rate = 3e-3  # head rate (and the whole network's for scratch)
  c.transfer.optimizer.schedule = 'constant'  # constant | cosine | ...
  if variant == 'smoke':
    c.num_epochs = 1
    c.transfer.shots_per_class = 2
    c.transfer.steps = 3
    c.transfer.batch_size = 8
    c.transfer.eval_every_steps = 0
  elif variant:
    raise ValueError(f"unknown config variant {variant!r}; accepted: '', 'smoke'")
  return c
