"""Date translation with an encoder–decoder RNN (notes 5.3).

  python launch/translate.py --workdir=/tmp/translate
  python launch/translate.py --config=launch/configs/translate.py:no_attention --workdir=/tmp/translate_noattn
  python launch/translate.py --config=launch/configs/translate.py:smoke --workdir=/tmp/translate_smoke

Default: the embedded dates data set ('dates': human-readable dates in 18
formats -> ISO 8601, 20,000 train examples, 1,000 dev and 1,000 test
examples on held-out days), GRU encoder–decoder (128 units) with Luong
attention, Adam 3e-3 with cosine decay and gradient clipping, 1,000 steps of
128: about a CPU-minute on a 2-core CPU. Expected: nearly every test date
translated exactly, greedy or with beam 4; without attention
(`:no_attention`, same budget) about two thirds, and beam 4 helps more
there (BUILD.md has the table).
`:no_attention` drops the attention (the decoder sees only the encoder's
final state, as in the notes). `:smoke` is the tiny variant the tests run.

`:wmt` (online; needs internet and `pip install -r requirements-tfds.txt`):
  python launch/translate.py --config=launch/configs/translate.py:wmt --workdir=/tmp/translate_wmt
German -> English characters from TFDS 'wmt14_translate/de-en'
(jaxdl/sequence/wmt.py): the first 100,000 training pairs, 1,000 pairs of
newstest2013 (dev) and all 3,003 of newstest2014 (test), sentences cut to 128
characters (the cut counts are printed); the table adds corpus BLEU against
the full references. The first run downloads and prepares the WMT14 corpora
(several GB; expect an hour or more). Training is 4,000 steps of 64 pairs,
about 50 minutes on a 2-core CPU, plus a few minutes of greedy and beam
decoding of dev and test. There is no BLEU figure on real WMT yet
(tests/test_wmt.py runs the same code on TFDS mock data); a character GRU at
this budget should expect a low, single-digit BLEU. Without the network it
stops within seconds with DatasetUnavailableError naming the embedded
datasets.
"""

import ml_collections


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.seed = 0  # seeds the data set, init and data order
  c.dataset = 'dates'  # embedded dates -> ISO (jaxdl/sequence/dates.py)
  c.data = ml_collections.ConfigDict()
  c.data.fractions = (0.9, 0.05, 0.05)  # unused: dates come with their own splits
  c.data.train_dev_fraction = 0.0  # no train-dev split
  c.model = 'seq2seq'  # jaxdl.sequence.translation.PackedTranslator
  c.model_kwargs = ml_collections.ConfigDict()
  c.dtype = 'float32'  # computation dtype: float32 | bfloat16 | float16 (params stay float32)
  c.model_kwargs.embed_dim = 32  # character embedding size
  c.model_kwargs.features = 128  # GRU hidden size of encoder and decoder
  c.model_kwargs.cell_type = 'gru'  # vanilla | lstm | gru
  c.model_kwargs.attention = True  # Luong attention over encoder outputs
  c.normalize_inputs = False  # inputs are token ids
  c.optimizer = ml_collections.ConfigDict()
  c.optimizer.name = 'adam'  # update rule
  c.optimizer.learning_rate = 3e-3  # alpha_0
  c.optimizer.schedule = 'cosine'  # decays to 0 at the last step
  c.optimizer.weight_decay = 0.0  # no weight decay
  c.optimizer.grad_clip_norm = 1.0  # clip by global norm (RNN gradients can explode)
  c.batch_size = 128  # global batch
  c.eval_batch_size = 500  # teacher-forced evaluation batch
  c.num_epochs = 10  # unused: num_train_steps is set
  c.num_train_steps = 1000  # optimizer steps
  c.log_every_steps = 100  # train metrics + NaN check period
  c.eval_every_steps = 500  # teacher-forced dev evaluation period
  c.eval_train = False  # 20k train examples: skip re-evaluating train
  c.checkpoint_every_steps = 500  # latest checkpoint period
  c.keep_best = 1  # best checkpoints kept
  c.restore_best = False  # end on the last step
  c.early_stopping = ml_collections.ConfigDict()
  c.early_stopping.patience = 0  # off: the cosine schedule ends the run
  c.early_stopping.min_delta = 0.0  # smallest improvement
  c.early_stopping.metric = 'dev/error'  # teacher-forced sequence error
  c.early_stopping.mode = 'min'  # lower is better
  c.num_devices = 0  # devices in the data mesh; 0 = all
  c.distributed = False  # single host
  c.translate = ml_collections.ConfigDict()
  c.translate.num_train = 20000  # training examples (days disjoint from dev/test)
  c.translate.num_dev = 1000  # dev examples, distinct held-out days
  c.translate.num_test = 1000  # test examples, distinct held-out days
  c.translate.beam_size = 4  # beam width for the beam-search row of the table
  c.translate.alpha = 0.0  # length penalty (all ISO dates have equal length)
  c.translate.num_examples = 8  # example translations printed at the end

  if variant == 'no_attention':
    c.model_kwargs.attention = False
  elif variant == 'smoke':
    c.model_kwargs.features = 16
    c.model_kwargs.embed_dim = 8
    c.batch_size = 32
    c.eval_batch_size = 64
    c.num_train_steps = 6
    c.log_every_steps = 3
    c.eval_every_steps = 6  # one evaluation and one checkpoint: cheap
    c.checkpoint_every_steps = 6
    c.translate.num_train = 256
    c.translate.num_dev = 64
    c.translate.num_test = 64
    c.translate.beam_size = 2
    c.translate.num_examples = 2
  elif variant == 'wmt':
    c.dataset = 'wmt14_translate/de-en'  # any TFDS {lang: text} translation pair
    c.data.data_dir = ''  # TFDS data_dir ('' = TFDS default)
    c.data.allow_download = True  # TFDS may download and prepare the pair
    c.wmt = ml_collections.ConfigDict()
    c.wmt.source_lang = 'de'  # feature key of the source sentence
    c.wmt.target_lang = 'en'  # feature key of the target sentence
    c.wmt.max_source_len = 128  # source characters kept (longer ones cut)
    c.wmt.max_target_len = 128  # target characters kept (longer ones cut)
    c.wmt.max_vocab = 200  # characters per language incl. 4 special ids
    c.model_kwargs.embed_dim = 64
    c.model_kwargs.features = 256
    c.batch_size = 64
    c.eval_batch_size = 250
    c.num_train_steps = 4000
    c.log_every_steps = 200
    c.eval_every_steps = 1000
    c.checkpoint_every_steps = 1000
    c.translate.num_train = 100000  # first pairs of the TFDS train split
    c.translate.num_dev = 1000  # first pairs of 'validation' (newstest2013)
    c.translate.num_test = 3003  # 'test' (newstest2014, 3,003 pairs)
    c.translate.alpha = 0.6  # length penalty: sentences differ in length
    c.translate.num_examples = 4
  elif variant:
    raise ValueError(
        f"unknown config variant {variant!r}; accepted: '', " "'no_attention', 'smoke', 'wmt'"
    )
  return c
