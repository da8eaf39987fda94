"""PNG of images with predicted (and true) boxes drawn, with a legend.

Ground truth: dashed white boxes with a black outline, the class name below
the box; predictions: solid boxes coloured by class, 'class score' above.
"""

import matplotlib

matplotlib.use('Agg')
import matplotlib.patheffects as path_effects  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

_COLOURS = ('tab:red', 'tab:blue', 'tab:green', 'tab:orange', 'tab:purple', 'tab:cyan')
# White dashes on a black outline read on dark and light images alike.
_GT_OUTLINE = [path_effects.Stroke(linewidth=3, foreground='black'), path_effects.Normal()]


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
  ncols = max(1, min(ncols, n))
  nrows = -(-n // ncols)
  fig, axes = plt.subplots(nrows, ncols, figsize=(3 * ncols, 3 * nrows + 0.9), squeeze=False)
  shown_classes = set()
  for ax in axes.flat:
    ax.axis('off')
  for i, ax in enumerate(axes.flat[:n]):
    img = np.asarray(images[i])
    h, w = img.shape[:2]
    ax.imshow(img.squeeze(-1) if img.shape[-1] == 1 else img, cmap='gray', extent=(0, w, h, 0))
    if ground_truths is not None:
      gt = ground_truths[i]
      labels = np.asarray(gt.get('labels', np.full(len(gt['boxes']), -1)))
      for b, c in zip(np.asarray(gt['boxes']), labels):
        box = ax.add_patch(
            plt.Rectangle(
                (b[0] * w, b[1] * h),
                (b[2] - b[0]) * w,
                (b[3] - b[1]) * h,
                fill=False,
                ec='white',
                ls='--',
                lw=1.5,
            )
        )
        box.set_path_effects(_GT_OUTLINE)
        if 0 <= int(c) < len(class_names):
          ax.text(
              b[0] * w,
              b[3] * h,
              class_names[int(c)],
              color='white',
              fontsize=6,
              va='top',
              bbox={'facecolor': 'black', 'alpha': 0.6, 'pad': 1, 'lw': 0},
          )
    d = detections[i]
    for b, s, c in zip(np.asarray(d['boxes']), np.asarray(d['scores']), np.asarray(d['labels'])):
      colour = _COLOURS[int(c) % len(_COLOURS)]
      shown_classes.add(int(c))
      ax.add_patch(
          plt.Rectangle(
              (b[0] * w, b[1] * h),
              (b[2] - b[0]) * w,
              (b[3] - b[1]) * h,
              fill=False,
              ec=colour,
              lw=2,
          )
      )
      ax.text(
          b[0] * w,
          b[1] * h,
          f'{class_names[int(c)]} {s:.2f}',
          color='white',
          fontsize=7,
          va='bottom',
          bbox={'facecolor': colour, 'alpha': 0.7, 'pad': 1, 'lw': 0},
      )
  handles = []
  if ground_truths is not None:
    handles.append(
        Line2D(
            [],
            [],
            color='white',
            ls='--',
            lw=1.5,
            path_effects=_GT_OUTLINE,
            label='ground truth (dashed, class below)',
        )
    )
  handles += [
      Line2D([], [], color=_COLOURS[c % len(_COLOURS)], lw=2, label=f'predicted {class_names[c]}')
      for c in sorted(shown_classes)
  ]
  if not shown_classes:
    handles.append(Line2D([], [], color='gray', lw=2, label='predicted (none above threshold)'))
  legend_h = 0.9 / (3 * nrows + 0.9)  # the strip the figure keeps for the legend
  fig.legend(
      handles=handles,
      loc='lower center',
      ncol=min(len(handles), 4),
      fontsize=9,
      title='boxes (predicted: solid, labelled "class score")',
      title_fontsize=9,
      frameon=True,
      facecolor='lightgray',
      bbox_to_anchor=(0.5, 0.0),
  )
  fig.subplots_adjust(
      left=0.01, right=0.99, bottom=legend_h + 0.01, top=0.99, wspace=0.03, hspace=0.03
  )
  fig.savefig(path, dpi=80)
  plt.close(fig)
