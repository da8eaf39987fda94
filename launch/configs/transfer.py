"""Transfer learning: digits 0-4 (task A) -> digits 5-9 with 5 examples per class (notes 3.14).

  python launch/transfer.py --workdir=/tmp/jaxdl_transfer
  python launch/transfer.py --config=launch/configs/transfer.py:smoke --workdir=/tmp/tr
  python launch/transfer.py --config.transfer.pretrained_workdir=/tmp/jaxdl_transfer/pretrain_a \
      --workdir=/tmp/tr2      # reuse another run's checkpoint instead of pretraining

Default: SmallCNN pretrained on all of A (about 540 training digits, 30
epochs), then 200 Adam steps on B's 25 training digits for each of scratch /
frozen backbone / full fine-tuning (backbone at 0.1x the learning rate).
About 1-2 minutes on a 2-core CPU. Expected: both transfer modes beat
scratch on B's dev and test sets by several points.
"""
import ml_collections

from jaxdl.review.config_file import load_config, sibling


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  # The pretraining run on A uses the base training config: see train.py.
  c = load_config(sibling(__file__, 'train.py:smoke' if variant == 'smoke' else 'train.py'))
  c.dataset = 'digits'  # documentation only: A and B are built from the digits
  c.transfer = ml_collections.ConfigDict()
  c.transfer.shots_per_class = 5  # labelled training examples per class of task B
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
