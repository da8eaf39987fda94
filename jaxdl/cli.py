"""What every launcher does with a user's mistake: one line, exit status 1."""
from __future__ import annotations

import sys
from typing import Any, Callable

from absl import logging

from jaxdl.errors import JaxdlError


def run_or_exit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
  """Returns fn(*args, **kwargs); a JaxdlError becomes 'error: ...' and exit 1.

  Bad config values, unavailable datasets and NaN losses are the user's to
  act on, so they get one line naming the cause instead of a traceback.
  """
  try:
    return fn(*args, **kwargs)
  except JaxdlError as e:
    logging.flush()
    sys.exit(f'error: {e}')
