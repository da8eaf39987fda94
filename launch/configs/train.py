"""The first experiment: an MLP or a small CNN on the embedded digits.

  python launch/train.py --workdir=/tmp/jaxdl_train
  python launch/train.py --config=launch/configs/train.py:mlp --workdir=/tmp/mlp
  python launch/train.py --config.dataset=mnist --workdir=/tmp/mnist   # online

Default: SmallCNN on scikit-learn's 1,797 real 8x8 digits (no download),
60/20/20 stratified split, Adam 3e-3, 30 epochs; about 30 s on a 2-core CPU;
reaches roughly 2 % test error. ``:smoke`` is the tiny variant the tests run.
"""

import ml_collections


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.seed = 0  # seeds init, dropout, data order and the split
  c.dataset = 'digits'  # embedded name (digits, digits32, blobs, ...) or a TFDS name
  c.data = ml_collections.ConfigDict()
  c.data.fractions = ()  # (train, dev, test); () = by dataset size (notes 3.5: 60/20/20 here)
  c.data.train_dev_fraction = 0.0  # share of train held out as train-dev (notes 3.12)
  c.data.data_dir = ''  # TFDS data_dir ('' = TFDS default)
  c.data.allow_download = True  # TFDS may download when online and not prepared
  c.data.num_workers = 0  # input worker processes (grain); 0 = read in the main process
  c.data.prefetch = 2  # batches moved to the devices ahead of the step
  c.data.stats_examples = 10_000  # examples the normalisation statistics are fitted on
  c.data.preprocess = ''  # host image transforms: '' (fixed-size images) | imagenet
  c.data.image_size = 224  # crop side for preprocess=imagenet (pixels)
  c.model = 'cnn'  # a name in jaxdl/models/registry.py
  c.model_kwargs = ml_collections.ConfigDict()  # extra fields of the model
  c.dtype = 'float32'  # computation dtype: float32 | bfloat16 | float16 (params stay float32)
  c.normalize_inputs = True  # fit mean/std on train (notes 2.3.4)
  c.optimizer = ml_collections.ConfigDict()
  c.optimizer.name = 'adam'  # sgd | momentum | nesterov | rmsprop | adam | adamw
  c.optimizer.learning_rate = 3e-3  # alpha_0
  c.optimizer.schedule = 'cosine'  # constant | cosine | warmup_cosine | exponential
  c.optimizer.weight_decay = 0.0  # lambda of weight decay
  c.optimizer.grad_clip_norm = 0.0  # 0 = no clipping
  c.batch_size = 64  # global batch, divisible by the number of devices
  c.eval_batch_size = 0  # 0 = batch_size
  c.num_epochs = 30  # passes over train
  c.num_train_steps = 0  # > 0 overrides num_epochs
  c.log_every_steps = 25  # host fetch of train metrics + NaN check
  c.eval_every_steps = 75  # dev evaluation (and early stopping) period
  c.eval_train = True  # re-evaluate train at each eval for the curves
  c.eval_train_examples = 10_000  # ... on a seeded subset of this size (0 = all of train)
  c.checkpoint_every_steps = 150  # latest-checkpoint period
  c.keep_best = 1  # best checkpoints kept by early_stopping.metric
  c.restore_best = False  # end on the best dev checkpoint even without early stopping
  c.early_stopping = ml_collections.ConfigDict()
  c.early_stopping.patience = (
      0  # stop at the (patience+1)-th eval without improvement (flax); 0 = off
  )
  c.early_stopping.min_delta = 0.0  # smallest change that counts as improvement
  c.early_stopping.metric = 'dev/error'  # any recorded eval metric
  c.early_stopping.mode = 'min'  # min | max
  c.num_devices = 0  # devices in the data mesh; 0 = all
  c.mesh = ml_collections.ConfigDict({'data': -1, 'fsdp': 1})  # axis sizes (-1: rest); fsdp>1: FSDP
  c.distributed = False  # jax.distributed.initialize() for multi-host
  c.human_error = -1.0  # human-level error for the diagnosis; < 0 = unknown
  c.profile_steps = 0  # > 0: a jax.profiler trace of this many steps in workdir/profile
  c.profile_start_step = 5  # steps after the start (compiled and warm) where the trace begins

  if variant == 'mlp':
    c.model = 'mlp'
  elif variant == 'smoke':
    c.num_epochs = 2
    c.batch_size = 32
    c.log_every_steps = 5
    c.eval_every_steps = 10
    c.checkpoint_every_steps = 10
    c.model_kwargs.features = (4, 8)
    c.model_kwargs.dense = 16
  elif variant == 'imagenet':
    # ResNet-50 on TFDS imagenet2012 prepared in data_dir (the data must be
    # downloaded by hand: TFDS cannot fetch it). Schedule of Goyal et al.
    # (2017): SGD momentum 0.9, lr 0.1 per 256 images, 5 warm-up epochs, 90
    # epochs, weight decay 1e-4; Inception crops and flips on the host.
    c.dataset = 'imagenet2012'
    c.data.allow_download = False
    c.data.preprocess = 'imagenet'
    c.data.image_size = 224
    c.data.num_workers = 8
    c.model = 'resnet50'
    c.optimizer.name = 'momentum'
    c.optimizer.learning_rate = 0.1
    c.optimizer.schedule = 'warmup_cosine'
    c.optimizer.warmup_epochs = 5
    c.optimizer.weight_decay = 1e-4
    c.batch_size = 256
    c.num_epochs = 90
    c.eval_every_steps = 5000
    c.checkpoint_every_steps = 1000
    c.log_every_steps = 100
    c.eval_train = False
    c.early_stopping.metric = 'dev/error'
  elif variant:
    raise ValueError(
        f"unknown config variant {variant!r}; accepted: '', 'imagenet', 'mlp', " "'smoke'"
    )
  return c
