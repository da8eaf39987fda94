"""Object detection (notes 4.11): boxes, IoU, NMS, sliding windows, YOLO, anchors, mAP.

Box formats, conversions and IoU (``boxes``); greedy per-class non-max
suppression, jittable (``nms``: ``nms.nms``, ``batched_nms``); the
localisation target with "don't care" entries (``localization``); sliding
windows and their convolutional implementation (``sliding_windows``); YOLO
target encoding, loss, decoding and detection (``yolo``), the ``TinyYOLO``
network and its ``yolo_task`` for the core loop; k-means anchors
(``anchors``); PASCAL VOC mean average precision (``map``); a generated
dataset of shapes on textured backgrounds (``data``) and VOC through TFDS
(``voc``). ``detect_experiment.run`` is the end-to-end experiment and
``benchmark`` times NMS and sliding windows. Boxes are ``[B, K, 4]`` float32
normalised corners padded to K with a ``[B, K]`` mask. Names are imported on
first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'boxes': (
            'corners_to_centers',
            'centers_to_corners',
            'box_area',
            'pairwise_iou',
            'elementwise_iou',
        ),
        'nms': ('batched_nms', 'nms_reference', 'NMSResult'),
        'model': ('TinyYOLO',),
        'task': ('yolo_task',),
        'anchors': ('kmeans_anchors', 'mean_best_iou'),
        'map': ('average_precision', 'mean_average_precision'),
        'sliding_windows': ('WindowClassifier', 'ConvWindowClassifier', 'sliding_window_logits'),
        'plot': ('draw_detections',),
        'voc': ('load_voc', 'VOC_CLASSES'),
    },
    modules=('detect_experiment', 'yolo', 'localization'),
)
