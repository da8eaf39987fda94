"""PNG of images with predicted (and true) boxes drawn."""
import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

_COLOURS = ('tab:red', 'tab:blue', 'tab:green', 'tab:orange', 'tab:purple', 'tab:cyan')


def draw_detections(path, images, detections, class_names, ground_truths=None, ncols=4):
  """Saves a grid of images with boxes.

  Args:
    path: output PNG.
    images: [N, H, W, C] float in [0, 1].
    detections: list of N dicts 'boxes' [D, 4] normalised corners, 'scores' [D], 'labels' [D].
    class_names: name of each class.
    ground_truths: optional list of N dicts 'boxes', 'labels', drawn dashed white.
    ncols: images per row.
  """
  n = len(images)
  nrows = -(-n // ncols)
  fig, axes = plt.subplots(nrows, ncols, figsize=(3 * ncols, 3 * nrows), squeeze=False)
  for ax in axes.flat:
    ax.axis('off')
  for i, ax in enumerate(axes.flat[:n]):
    img = np.asarray(images[i])
    h, w = img.shape[:2]
    ax.imshow(img.squeeze(-1) if img.shape[-1] == 1 else img, cmap='gray', extent=(0, w, h, 0))
    if ground_truths is not None:
      for b in np.asarray(ground_truths[i]['boxes']):
        ax.add_patch(plt.Rectangle((b[0] * w, b[1] * h), (b[2] - b[0]) * w, (b[3] - b[1]) * h,
                                   fill=False, ec='white', ls='--', lw=1))
    d = detections[i]
    for b, s, c in zip(np.asarray(d['boxes']), np.asarray(d['scores']), np.asarray(d['labels'])):
      colour = _COLOURS[int(c) % len(_COLOURS)]
      ax.add_patch(plt.Rectangle((b[0] * w, b[1] * h), (b[2] - b[0]) * w, (b[3] - b[1]) * h,
                                 fill=False, ec=colour, lw=2))
      ax.text(b[0] * w, b[1] * h, f'{class_names[int(c)]} {s:.2f}', color='white', fontsize=7,
              va='bottom', bbox={'facecolor': colour, 'alpha': 0.7, 'pad': 1, 'lw': 0})
  fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99, wspace=0.03, hspace=0.03)
  fig.savefig(path, dpi=80)
  plt.close(fig)
