"""Character-level RNN language model (notes 5.2).

  python launch/char_lm.py --workdir=/tmp/char_lm
  python launch/char_lm.py --config=launch/configs/char_lm.py:shakespeare --workdir=/tmp/char_lm_ts   # online (TFDS)
  python launch/char_lm.py --config=launch/configs/char_lm.py:smoke --workdir=/tmp/char_lm_smoke

Default: the embedded corpus 'pydoc_text' (the Python Language Reference
help text shipped with CPython, ~465k characters; whole documents held out
for dev and test), one GRU layer of 256 units, windows of 128 characters,
Adam 3e-3 with cosine decay and gradient clipping, 800 steps of 32 windows.
About 2 CPU-minutes on a 2-core CPU. Expected: dev perplexity far below the
uniform 96 (BUILD.md has the table), and temperature-0.5 samples that read as
English-like prose about Python ('The "__getitem__()" method is called.').
`:shakespeare` trains on tiny_shakespeare through
TFDS (needs the network once); `:smoke` is the tiny variant the tests run.
"""

import ml_collections


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.seed = 0  # seeds the document split, init, data order and samples
  c.corpus = 'pydoc_text'  # pydoc_text (embedded) | tiny_shakespeare (TFDS)
  c.data_dir = ''  # TFDS data_dir for tiny_shakespeare ('' = TFDS default)
  c.allow_download = True  # TFDS may download tiny_shakespeare
  c.model_kwargs = ml_collections.ConfigDict()
  c.dtype = 'float32'  # computation dtype: float32 | bfloat16 | float16 (params stay float32)
  c.model_kwargs.embed_dim = 64  # character embedding size
  c.model_kwargs.features = 256  # hidden size of each recurrent layer
  c.model_kwargs.num_layers = 1  # stacked recurrent layers
  c.model_kwargs.cell_type = 'gru'  # vanilla | lstm | gru
  c.optimizer = ml_collections.ConfigDict()
  c.optimizer.name = 'adam'  # update rule
  c.optimizer.learning_rate = 3e-3  # alpha_0
  c.optimizer.schedule = 'cosine'  # decays to 0 at the last step
  c.optimizer.weight_decay = 0.0  # no weight decay
  c.optimizer.grad_clip_norm = 1.0  # clip by global norm (notes 5.1: exploding gradients)
  c.char_lm = ml_collections.ConfigDict()
  c.char_lm.seq_len = 128  # characters per training window (truncated BPTT)
  c.char_lm.max_chars = 0  # > 0: keep only this many characters per split (tests)
  c.char_lm.prompt = 'The '  # text the samples continue
  c.char_lm.sample_length = 200  # characters generated per sample
  c.char_lm.temperatures = (0.5, 1.0)  # sampling temperatures shown
  c.batch_size = 32  # windows per step
  c.eval_batch_size = 128  # windows per evaluation batch
  c.num_train_steps = 800  # optimizer steps (~3.3M characters, ~8 epochs)
  c.log_every_steps = 100  # train loss print period
  c.eval_every_steps = 200  # dev perplexity + samples + checkpoint period
  c.checkpoint_every_steps = 200  # latest-checkpoint period (every eval saves too)
  c.num_devices = 0  # devices in the data mesh; 0 = all
  c.distributed = False  # jax.distributed.initialize() for multi-host
  # Fields of the core loop (jaxdl.train.loop), fixed for a language model:
  c.model = 'char_lm'  # the model is built from model_kwargs by the experiment
  c.num_epochs = 1  # unused: num_train_steps is set
  c.normalize_inputs = False  # inputs are character ids
  c.eval_train = False  # evaluations score dev; train and test at the end
  c.keep_best = 1  # best checkpoints kept by dev loss
  c.restore_best = False  # end on the last step
  c.human_error = -1.0  # no human-level perplexity
  c.data = ml_collections.ConfigDict()
  c.data.fractions = ()  # whole documents: 90/5/5 of the characters (corpus.py)
  c.data.train_dev_fraction = 0.0  # no train-dev split
  c.early_stopping = ml_collections.ConfigDict()
  c.early_stopping.patience = 0  # off
  c.early_stopping.min_delta = 0.0  # smallest change that counts
  c.early_stopping.metric = 'dev/loss'  # nats per character
  c.early_stopping.mode = 'min'  # lower is better

  if variant == 'shakespeare':
    c.corpus = 'tiny_shakespeare'
    c.char_lm.prompt = 'ROMEO:\n'
  elif variant == 'smoke':
    c.model_kwargs.embed_dim = 8
    c.model_kwargs.features = 16
    c.char_lm.seq_len = 16
    c.char_lm.sample_length = 20
    c.char_lm.max_chars = 4000
    c.batch_size = 16
    c.eval_batch_size = 512
    c.num_train_steps = 4
    c.log_every_steps = 2
    c.eval_every_steps = 2
    c.checkpoint_every_steps = 2
  elif variant:
    raise ValueError(f"unknown config variant {variant!r}; accepted: '', " "'shakespeare', 'smoke'")
  return c
