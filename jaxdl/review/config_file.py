"""Loads `launch/configs/<name>.py[:variant]` by path, as `--config` does.

Launch configs are files, not an installed package; experiment configs that
extend the base training config, and tools that re-open another run's
config, load it through here instead of `import launch...`, which only
works from the repository root.
"""

from __future__ import annotations

import importlib.util
import os

import ml_collections


def load_config(spec: str) -> ml_collections.ConfigDict:
  """Calls get_config(variant) of a config file.

  Args:
    spec: 'path/to/config.py' or 'path/to/config.py:variant'.

  Returns:
    the ConfigDict (unlocked).

  Raises:
    FileNotFoundError: no such file. ValueError: the file has no get_config.
  """
  path, _, variant = spec.partition(':')
  if not os.path.isfile(path):
    raise FileNotFoundError(f'config file {path!r} not found')
  name = '_jaxdl_config_' + os.path.splitext(os.path.basename(path))[0]
  module_spec = importlib.util.spec_from_file_location(name, path)
  module = importlib.util.module_from_spec(module_spec)
  module_spec.loader.exec_module(module)
  if not hasattr(module, 'get_config'):
    raise ValueError(f'config file {path!r} defines no get_config()')
  return module.get_config(variant) if variant else module.get_config()


def sibling(config_file: str, name: str) -> str:
  """Path of `name` in the directory of `config_file` (a config's __file__)."""
  return os.path.join(os.path.dirname(os.path.abspath(config_file)), name)
