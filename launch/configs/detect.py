"""YOLO object detection on generated shapes (notes 4.11).

  python launch/detect.py --workdir=/tmp/jaxdl_detect
  python launch/detect.py --config.yolo.num_anchors=3 --workdir=/tmp/detect_a3
  python launch/detect.py --config=launch/configs/detect.py:smoke --workdir=/tmp/detect_smoke
  python launch/detect.py --config=launch/configs/detect.py:voc2007 --workdir=/tmp/voc  # online

Default: the embedded generated set (offline; 48x48 images, 1-4 ellipses,
rectangles and triangles of 10-22 px on textured backgrounds; 2,048 train /
512 dev / 512 test images), TinyYOLO with a 6x6 grid and 2 k-means anchors,
flip + shift augmentation that moves the boxes, Adam with warmup + cosine, 12
epochs (384 steps): about 2 CPU-minutes on a 2-core CPU. Expected: test
mAP@0.5 (VOC all-point) near 0.99 (BUILD.md has the per-class table). ':smoke'
is the tiny variant the tests run (seconds; its mAP means nothing). ':voc2007'
reads PASCAL VOC 2007 through TFDS (needs internet or a prepared data_dir, and
a GPU-sized budget; there are no figures for it yet).
"""

import ml_collections


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.seed = 0  # seeds the generated images, init, data order, augmentation, k-means
  c.dataset = 'detection_shapes'  # generated with c.generator, or a registered detection set
  c.generator = ml_collections.ConfigDict()
  c.generator.sizes = {'train': 2048, 'dev': 512, 'test': 512}  # images per split
  c.generator.image_size = 48  # pixels per side
  c.generator.max_objects = 4  # objects per image are 1..max_objects
  c.generator.min_size = 10  # smallest object width/height, pixels
  c.generator.max_size = 22  # largest object width/height, pixels
  c.generator.max_overlap = 0.1  # largest IoU between two objects of an image
  c.yolo = ml_collections.ConfigDict()
  c.yolo.num_anchors = 2  # anchors per cell when chosen by k-means
  c.yolo.anchors = ()  # flat (w1, h1, w2, h2, ...) relative to the image; () = k-means on train boxes
  c.yolo.lambda_coord = 5.0  # weight of the box terms (YOLO paper)
  c.yolo.lambda_noobj = 0.5  # weight of the confidence of empty slots (YOLO paper)
  c.yolo.confidence_loss = 'log'  # log | squared (the paper's)
  c.augment = ml_collections.ConfigDict()  # jaxdl.augment ops; boxes move with the image
  c.augment.flip_left_right = {'probability': 0.5}  # mirror half the images
  # +-4 px at 48; grey constant fill: 'nearest' would smear border-touching objects past their boxes
  c.augment.shift = {'max_shift': 0.08, 'mode': 'constant', 'cval': 0.5, 'min_box_size': 0.04}
  c.evaluation = ml_collections.ConfigDict()
  c.evaluation.score_threshold = 0.01  # detections kept for mAP (low: AP integrates over all)
  c.evaluation.nms_iou_threshold = 0.5  # per-class NMS suppression threshold
  c.evaluation.match_iou_threshold = 0.5  # mAP@0.5
  c.evaluation.max_outputs = 32  # detections per image after NMS
  c.evaluation.batch_size = 128  # images per prediction call
  c.evaluation.num_plot = 12  # test images in the PNG
  c.evaluation.plot_score_threshold = 0.4  # boxes drawn in the PNG
  # The core training loop's fields (see launch/configs/train.py).
  c.data = ml_collections.ConfigDict()
  c.data.fractions = (0.6, 0.2, 0.2)  # only for registered datasets that come as one pool
  c.data.train_dev_fraction = 0.0  # unused here
  c.data.data_dir = ''  # TFDS data_dir for voc/2007 ('' = TFDS default)
  c.data.allow_download = True  # TFDS may download voc/2007 when online
  c.model = 'tiny_yolo'  # jaxdl.detection.model.TinyYOLO
  c.model_kwargs = ml_collections.ConfigDict()
  c.dtype = 'float32'  # computation dtype: float32 | bfloat16 | float16 (params stay float32)
  c.model_kwargs.widths = (16, 32, 64, 96, 96)  # conv 3x3 + BN + ReLU channels
  c.model_kwargs.num_pools = 3  # 2x2 max-pools after the first blocks: grid = 48 / 8 = 6
  c.normalize_inputs = True  # fit mean/std on train (notes 2.3.4)
  c.optimizer = ml_collections.ConfigDict()
  c.optimizer.name = 'adam'  # sgd | momentum | nesterov | rmsprop | adam | adamw
  c.optimizer.learning_rate = 3e-3  # peak alpha
  c.optimizer.schedule = 'warmup_cosine'  # constant | cosine | warmup_cosine | exponential
  c.optimizer.warmup_epochs = 0.5  # linear warmup length
  c.optimizer.weight_decay = 0.0  # lambda of weight decay
  c.optimizer.grad_clip_norm = 10.0  # guards the exp() box scale early in training
  c.batch_size = 64  # global batch, divisible by the number of devices
  c.eval_batch_size = 128  # dev/test batch of the loss evaluation
  c.num_epochs = 12  # passes over train
  c.num_train_steps = 0  # > 0 overrides num_epochs
  c.log_every_steps = 32  # host fetch of train metrics + NaN check
  c.eval_every_steps = 64  # dev loss / assigned-slot error period
  c.eval_train = False  # skip re-evaluating train: it would cost a quarter of training
  c.checkpoint_every_steps = 128  # latest-checkpoint period
  c.keep_best = 1  # best checkpoints kept by early_stopping.metric
  c.restore_best = False  # end on the last step (cosine schedule to 0)
  c.early_stopping = ml_collections.ConfigDict()
  c.early_stopping.patience = 0  # 0 = off
  c.early_stopping.min_delta = 0.0  # smallest change that counts
  c.early_stopping.metric = 'dev/loss'  # dev YOLO loss
  c.early_stopping.mode = 'min'  # min | max
  c.num_devices = 0  # devices in the data mesh; 0 = all
  c.distributed = False  # jax.distributed.initialize() for multi-host

  if variant == 'smoke':
    c.generator.sizes = {'train': 64, 'dev': 16, 'test': 16}
    c.generator.image_size = 24
    c.generator.max_objects = 2
    c.generator.min_size = 6
    c.generator.max_size = 12
    c.model_kwargs.widths = (4, 8, 8)
    c.batch_size = 16
    c.eval_batch_size = 16
    c.num_epochs = 2
    c.log_every_steps = 2
    c.eval_every_steps = 4
    c.checkpoint_every_steps = 8  # the last step only: orbax saves dominate a run this small
    c.evaluation.batch_size = 16
    c.evaluation.num_plot = 4
  elif variant == 'voc2007':
    c.dataset = 'voc/2007'  # online; TFDS validation split = dev
    c.generator.image_size = 96  # VOC images resized to this square (grid 96 / 8 = 12)
    c.generator.max_objects = 16  # boxes kept per image (largest first)
    c.yolo.num_anchors = 5  # as YOLOv2 on VOC
    c.model_kwargs.widths = (32, 64, 128, 256, 256)
    c.num_epochs = 60
  elif variant:
    raise ValueError(f"unknown config variant {variant!r}; accepted: '', 'smoke', 'voc2007'")
  return c
