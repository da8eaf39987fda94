"""Attention weights as a heat map: which source characters each output
character was read from (the alignment learnt by the decoder, notes 5.3)."""

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def plot_attention(weights, source_chars, output_chars, path: str, title: str = '') -> str:
  """Writes a heat map PNG.

  Args:
    weights: [T_out, S] attention weights, rows summing to 1 over the source.
    source_chars: S labels for the columns.
    output_chars: T_out labels for the rows.
    path: PNG file to write.
    title: figure title.

  Returns:
    path.
  """
  weights = np.asarray(weights)
  if weights.shape != (len(output_chars), len(source_chars)):
    raise ValueError(
        f'weights shape {weights.shape} does not match '
        f'({len(output_chars)}, {len(source_chars)}) labels'
    )
  fig, ax = plt.subplots(
      figsize=(0.3 * len(source_chars) + 2, 0.3 * len(output_chars) + 1.5), dpi=110
  )
  ax.imshow(weights, cmap='viridis', vmin=0.0, vmax=1.0, aspect='auto')
  ax.set_xticks(range(len(source_chars)), [repr(c)[1:-1] for c in source_chars])
  ax.set_yticks(range(len(output_chars)), list(output_chars))
  ax.set_xlabel('source character')
  ax.set_ylabel('output character')
  if title:
    ax.set_title(title)
  fig.tight_layout()
  fig.savefig(path)
  plt.close(fig)
  return path
