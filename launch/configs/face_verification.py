"""Siamese embedding + triplet loss, face verification and one-shot learning (notes 4.12-4.13).

  python launch/face_verification.py --workdir=/tmp/jaxdl_faceverif
  python launch/face_verification.py --config.triplet.mining=batch_hard --workdir=/tmp/fv_hard
  python launch/face_verification.py --config=launch/configs/face_verification.py:digits \
      --workdir=/tmp/fv_digits
  python launch/face_verification.py --config=launch/configs/face_verification.py:omniglot \
      --workdir=/tmp/fv_omniglot   # online: TFDS download

Default: 'glyph_identities' (generated offline, jaxdl/embedding/glyphs.py):
300 random 3-stroke glyphs x 20 distorted 16x16 drawings; 20 % of the
identities (60) are held out of training and carry the whole verification /
one-shot evaluation. The 128-d encoder is trained with the semi-hard triplet
loss (alpha = 0.2). About 1 CPU-minute on a 2-core CPU. Expected, on the 60
held-out identities: the trained embedding beats the untrained encoder and
raw pixels in verification accuracy (dev threshold and logistic
regression), AUC, and 5- and 20-way one-shot accuracy (BUILD.md has the
table).
Variants: ':smoke' (tiny, used by the tests); ':digits' (scikit-learn digits,
digits 5-9 held out: only 5 training identities, too few to generalise - the
trained embedding then does no better than raw pixels, an instructive
failure); ':omniglot' and ':lfw' (online; Omniglot holds out its 659
evaluation-alphabet characters, LFW 20 % of the names and needs ~10 GB RAM
because the core loads all 13k 250x250 images into memory).
"""

import ml_collections


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.seed = 0  # seeds init, data order, identity split, pairs and episodes
  c.dataset = (
      'glyph_identities'  # embedded name (glyph_identities, digits), or TFDS 'omniglot' / 'lfw'
  )
  c.identities = ml_collections.ConfigDict()
  c.identities.held_out = ()  # identities never trained on; () = the dataset's own or held_out_fraction
  c.identities.held_out_fraction = (
      0.2  # share of identities held out when held_out is () and the dataset has no own
  )
  c.identities.dev_fraction = 0.2  # share of each training identity's images kept for dev
  c.identities.max_identities = 0  # keep only the first N identities; 0 = all
  c.identities.image_size = 0  # resize side in pixels; 0 = native
  c.identities.grayscale = False  # average colour channels to one
  c.triplet = ml_collections.ConfigDict()
  c.triplet.mining = 'semi_hard'  # all | batch_hard | semi_hard
  c.triplet.alpha = 0.2  # margin in squared distance (notes 4.13, FaceNet)
  c.evaluation = ml_collections.ConfigDict()
  c.evaluation.n_pairs = 2000  # verification pairs per split, half same-identity
  c.evaluation.n_way = (
      5,
      20,
  )  # classes per one-shot episode, one column each (<= held-out identities)
  c.evaluation.n_episodes = 500  # one-shot episodes (n_way queries each)
  c.evaluation.logreg_l2 = 1e-3  # L2 strength of the |f1 - f2| logistic regression
  c.evaluation.logreg_pairs = 'dev'  # dev | train: pairs the logistic regression is fitted on
  c.evaluation.seed = 0  # seeds pairs and episodes (identical for every embedding)
  # The core training loop's fields (see launch/configs/train.py).
  c.data = ml_collections.ConfigDict()
  c.data.fractions = (0.6, 0.2, 0.2)  # unused: splits are made by identity above
  c.data.train_dev_fraction = 0.0  # unused here
  c.data.data_dir = ''  # TFDS data_dir ('' = TFDS default)
  c.data.allow_download = True  # TFDS may download when online
  c.model = 'embedding_net'  # jaxdl.embedding.encoder.EmbeddingNet
  c.model_kwargs = ml_collections.ConfigDict()
  c.dtype = 'float32'  # computation dtype: float32 | bfloat16 | float16 (params stay float32)
  c.model_kwargs.features = (32, 64)  # conv channels (3x3 conv + 2x2 pool each)
  c.model_kwargs.hidden = 256  # dense width before the embedding
  c.model_kwargs.embed_dim = 128  # embedding size
  c.normalize_inputs = True  # fit mean/std on train (notes 2.3.4)
  c.optimizer = ml_collections.ConfigDict()
  c.optimizer.name = 'adam'  # sgd | momentum | nesterov | rmsprop | adam | adamw
  c.optimizer.learning_rate = 1e-3  # alpha_0
  c.optimizer.schedule = 'cosine'  # constant | cosine | warmup_cosine | exponential
  c.optimizer.weight_decay = 0.0  # lambda of weight decay
  c.optimizer.grad_clip_norm = 0.0  # 0 = no clipping
  c.batch_size = 128  # global batch; mining happens inside it, so bigger finds harder triplets
  c.eval_batch_size = 0  # 0 = batch_size
  c.num_epochs = 15  # passes over train
  c.num_train_steps = 0  # > 0 overrides num_epochs
  c.log_every_steps = 25  # host fetch of train metrics + NaN check
  c.eval_every_steps = 50  # dev/test evaluation period
  c.eval_train = True  # re-evaluate train at each eval for the curves
  c.checkpoint_every_steps = 100  # latest-checkpoint period
  c.keep_best = 1  # best checkpoints kept by early_stopping.metric
  c.restore_best = True  # end on the best dev checkpoint
  c.early_stopping = ml_collections.ConfigDict()
  c.early_stopping.patience = 0  # evaluations without improvement; 0 = off
  c.early_stopping.min_delta = 0.0  # smallest change that counts
  c.early_stopping.metric = 'dev/loss'  # dev triplet loss (dev = seen identities, unseen images)
  c.early_stopping.mode = 'min'  # min | max
  c.num_devices = 0  # devices in the data mesh; 0 = all
  c.distributed = False  # jax.distributed.initialize() for multi-host

  if variant == 'smoke':
    c.num_train_steps = 20
    c.eval_train = False
    c.identities.max_identities = 40  # 800 drawings, 8 identities held out
    c.batch_size = 32
    c.log_every_steps = 5
    c.eval_every_steps = 10
    c.checkpoint_every_steps = 10
    c.model_kwargs.features = (4,)
    c.model_kwargs.hidden = 16
    c.model_kwargs.embed_dim = 8
    c.evaluation.n_pairs = 100
    c.evaluation.n_episodes = 20
    c.evaluation.n_way = (5,)
  elif variant == 'digits':
    c.dataset = 'digits'
    c.identities.held_out = (5, 6, 7, 8, 9)
    c.evaluation.n_way = (5,)
    c.num_epochs = 40
  elif variant == 'omniglot':
    c.dataset = 'omniglot'
    c.identities.held_out = ()  # the evaluation alphabets
    c.identities.image_size = 28
    c.identities.grayscale = True
    c.evaluation.n_way = (5, 20)
    c.num_epochs = 20
  elif variant == 'lfw':
    c.dataset = 'lfw'
    c.identities.held_out = ()
    c.identities.image_size = 64
    c.evaluation.n_way = (5,)
    c.model_kwargs.features = (32, 64, 128)
    c.num_epochs = 20
  elif variant:
    raise ValueError(
        f"unknown config variant {variant!r}; accepted: '', 'smoke', 'digits', 'omniglot', 'lfw'"
    )
  return c
