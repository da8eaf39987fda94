"""Log hygiene: keep a run's progress lines readable.

Orbax logs several INFO lines per checkpoint; they drown the progress lines
a user watches, so INFO records from orbax are dropped (warnings stay).
"""

from __future__ import annotations

import logging as std_logging


class _DropLibraryInfo(std_logging.Filter):

  def filter(self, record: std_logging.LogRecord) -> bool:
    noisy = 'orbax' in record.pathname or 'etils' in record.pathname
    return not noisy or record.levelno >= std_logging.WARNING


def quiet_library_logs() -> None:
  """Installs the filter on the absl logger (idempotent)."""
  logger = std_logging.getLogger('absl')
  if not any(isinstance(f, _DropLibraryInfo) for f in logger.filters):
    logger.addFilter(_DropLibraryInfo())
