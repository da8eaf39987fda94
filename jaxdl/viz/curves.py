"""Learning curves as PNG (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def plot_curves(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    path: str,
    *,
    xlabel: str = 'step',
    ylabel: str = '',
    title: str = '',
    logy: bool = False,
    styles: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
  """One line per series name -> (xs, ys); writes ``path`` and returns it.

  The series name is its legend entry. styles: optional name -> keyword
  arguments of ``Axes.plot`` (marker, linestyle, ...) for that series;
  without one, a series of fewer than 40 points gets '.' markers.
  """
  fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
  for name, (xs, ys) in series.items():
    style = dict((styles or {}).get(name) or {'marker': '.' if len(xs) < 40 else None})
    ax.plot(list(xs), list(ys), label=name, **style)
  ax.set_xlabel(xlabel)
  ax.set_ylabel(ylabel)
  if title:
    ax.set_title(title)
  if logy:
    ax.set_yscale('log')
  ax.grid(alpha=0.3)
  ax.legend()
  fig.tight_layout()
  fig.savefig(path)
  plt.close(fig)
  return path
