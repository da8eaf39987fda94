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
  c.model = 'cnn'  # a name in jaxdl/models/registry.py
  c.model_kwargs = ml_collections.ConfigDict()  # extra fields of the model
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
  c.checkpoint_every_steps = 150  # latest-checkpoint period
  c.keep_best = 1  # best checkpoints kept by early_stopping.metric
  c.restore_best = False  # end on the best dev checkpoint even without early stopping
  c.early_stopping = ml_collections.ConfigDict()
  c.early_stopping.patience = 0  # stop at the (patience+1)-th eval without improvement (flax); 0 = off
  c.early_stopping.min_delta = 0.0  # smallest change that counts as improvement
  c.early_stopping.metric = 'dev/error'  # any recorded eval metric
  c.early_stopping.mode = 'min'  # min | max
  c.num_devices = 0  # devices in the data mesh; 0 = all
  c.distributed = False  # jax.distributed.initialize() for multi-host
  c.human_error = -1.0  # human-level error for the diagnosis; < 0 = unknown

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
  elif variant:
    raise ValueError(f"unknown config variant {variant!r}; accepted: '', 'mlp', 'smoke'")
  return c
