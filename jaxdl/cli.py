"""What every launcher shares: the CPU tuning (jaxdl.cpu), one line for a mistake.

Naming rule: the experiment behind ``launch/<name>.py`` is the module
``jaxdl/<topic>/<name>_experiment.py``, in the package of the code it studies,
with ``run(config, workdir)`` (returns a result) and ``report(result, workdir)
-> str`` (what the launcher prints). The launcher is a docstring and one
``experiment_main`` call naming it, e.g.

  experiment_main('launch/configs/detect.py',
                  'jaxdl.detection.detect_experiment:run', '/tmp/jaxdl_detect')

The benchmark launchers (launch/bench_*.py, launch/benchmark.py) take flags,
not a config, and call ``launch`` themselves.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import re
import sys
from typing import Any, Callable

from absl import app, flags, logging

from jaxdl import cpu
from jaxdl.errors import JaxdlError

_ALLOW_CONFIG_CHANGE = flags.DEFINE_bool(
    'allow_config_change',
    False,
    'continue an existing --workdir although the config changes fields that define '
    'the experiment (seed, data, model, optimizer, ...); the changes are logged',
)

# OS errors that are the user's environment, not a bug: one line, no traceback.
_ENVIRONMENT_ERRNOS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.EEXIST,
    errno.EFBIG,
    errno.EIO,
}


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
  except OSError as e:
    if e.errno not in _ENVIRONMENT_ERRNOS:
      raise
    logging.flush()
    where = f' ({e.filename})' if e.filename else ''
    sys.exit(
        f'error: {os.strerror(e.errno)}{where}; the last good checkpoint is kept, '
        'rerun to resume once this is fixed'
    )


def _load_config(spec: str):
  """The ConfigDict of 'path.py[:variant]', as config_flags would load it."""
  path, _, variant = spec.partition(':')
  try:
    module_spec = importlib.util.spec_from_file_location('_jaxdl_config', path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.get_config(variant) if variant else module.get_config()
  except Exception as e:  # noqa: BLE001  (a user's file: any error is theirs)
    sys.exit(f'error: --config={spec}: {" ".join(str(e).split())}')


def check_config_overrides(argv: list[str], default: str) -> None:
  """Exits with one line if argv overrides a config field that does not exist.

  ml_collections would raise a KeyError traceback while the launcher module
  is still being imported; this runs first and names the nearest fields.
  """
  from jaxdl.train.workdir import flatten, nearest_names

  spec, given = default, False
  for i, arg in enumerate(argv[1:], 1):
    if arg.startswith('--config='):
      spec, given = arg.split('=', 1)[1], True
    elif arg == '--config' and i + 1 < len(argv):
      spec, given = argv[i + 1], True
  overrides = [
      re.split(r'[= ]', a[2:], maxsplit=1)[0] for a in argv[1:] if a.startswith('--config.')
  ]
  if not overrides and not given:
    return
  known = list(flatten(_load_config(spec)))  # a bad path or variant exits here
  prefixes = {k.rsplit('.', n)[0] for k in known for n in range(1, k.count('.') + 1)}
  for name in overrides:
    field = name[len('config.') :]
    if field not in known and field not in prefixes:
      near = ['config.' + n for n in nearest_names(field, known)]
      sys.exit(
          f'error: unknown config field --{name}; nearest: '
          f'{", ".join("--" + n for n in near) or "-"}'
      )


def define_config(default: str, help_text: str = 'experiment config'):
  """The launcher's --config flag (a locked ml_collections config file).

  Unknown --config.<field> overrides are one-line errors, checked here
  because ml_collections parses them while the launcher is imported.
  """
  from ml_collections import config_flags

  check_config_overrides(sys.argv, default)
  return config_flags.DEFINE_config_file('config', default, help_text, lock_config=True)


def _parse_flags(argv: list[str]) -> list[str]:
  """absl's flag parsing, with every mistake as one line."""
  try:
    return flags.FLAGS(argv)
  except flags.Error as e:
    sys.exit(f'error: {" ".join(str(e).split())} (--helpfull lists every flag)')
  except (AttributeError, KeyError, TypeError, ValueError) as e:
    sys.exit(f'error: bad --config override: {" ".join(str(e).split())}')


def launch(main: Callable[[list[str]], Any]) -> None:
  """app.run(main) after the CPU tuning (before jax starts).

  Launchers call this instead of app.run so that every experiment gets
  jaxdl.cpu.tune_process: the XLA:CPU flags, JAXDL_HOST_DEVICES=N and the
  malloc and CPU-dispatch settings (JAXDL_XLA_CPU_TUNING=0 and
  JAXDL_MALLOC_TUNING=0 turn them off; nothing changes off the CPU).
  """
  tuning = run_or_exit(cpu.tune_process)

  def logged_main(argv: list[str]) -> Any:
    # After flag parsing, so the line goes where absl's logging is set to go.
    logging.info('host memory mode: %s (jaxdl.cpu.host_memory)', tuning.host_memory)
    if _ALLOW_CONFIG_CHANGE.value:
      from jaxdl.train.workdir import ALLOW_CHANGE_ENV

      os.environ[ALLOW_CHANGE_ENV] = '1'  # read where each run opens its workdir
    return main(argv)

  app.run(logged_main, flags_parser=_parse_flags)


def _import_experiment(spec: str) -> tuple[Any, Callable[..., Any]]:
  """(module, function) of 'package.module:function'."""
  module_name, sep, name = spec.partition(':')
  if not sep or not module_name or not name:
    raise ValueError(f"expected 'package.module:function', got {spec!r}")
  module = importlib.import_module(module_name)
  if not hasattr(module, 'report'):
    raise AttributeError(f'{module_name} has no report(result, workdir) -> str')
  return module, getattr(module, name)


def experiment_main(
    config_file: str,
    run: str,
    default_workdir: str | None,
    *,
    config_help: str = 'experiment config',
    workdir_help: str = 'output directory',
    run_kwargs: Callable[[], dict[str, Any]] | None = None,
    exit_on: tuple[type[Exception], ...] = (),
) -> None:
  """The whole main of an experiment launcher (see the naming rule above).

  Defines --config (a locked config file, checked by define_config) and
  --workdir, then, after launch's CPU tuning and flag parsing, imports
  ``run`` (so jax starts only once XLA_FLAGS are set), calls
  ``run(config, workdir, **run_kwargs())`` through run_or_exit, prints
  ``report(result, workdir)`` of the same module and logs every PNG the
  experiment drew in the workdir to its TensorBoard events.

  Args:
    config_file: the default --config, e.g. 'launch/configs/detect.py'.
    run: 'package.module:function' of the experiment; the module also
      defines report(result, workdir) -> str.
    default_workdir: the default --workdir; None for a launcher that writes
      nothing (no --workdir flag; run and report get workdir=None).
    config_help: help text of --config.
    workdir_help: help text of --workdir.
    run_kwargs: for launchers with flags of their own (defined with absl
      before this call): returns extra keyword arguments of run, called after
      flag parsing.
    exit_on: more exception types that are the user's to act on, printed as
      one 'error: ...' line like a JaxdlError.
  """
  config = define_config(config_file, config_help)
  workdir_flag = (
      None
      if default_workdir is None
      else flags.DEFINE_string('workdir', default_workdir, workdir_help)
  )

  def main(argv: list[str]) -> None:
    del argv
    # Imported here, after launch set XLA_FLAGS; jax is first used inside run,
    # which may start a multi-process job (jax.distributed) before anything else.
    module, run_fn = _import_experiment(run)
    workdir = None if workdir_flag is None else workdir_flag.value
    kwargs = run_kwargs() if run_kwargs else {}
    try:
      result = run_or_exit(run_fn, config.value, workdir, **kwargs)
    except exit_on as e:
      logging.flush()
      sys.exit(f'error: {e}')
    print(module.report(result, workdir))
    import jax

    logging.info(
        'process %d/%d, %d devices: done',
        jax.process_index(),
        jax.process_count(),
        jax.device_count(),
    )
    log_images = getattr(importlib.import_module('jaxdl.viz.summaries'), 'log_workdir_images', None)
    # Process 0 only: one writer of the workdir's event files and their bookkeeping.
    if log_images is not None and workdir is not None and jax.process_index() == 0:
      logged = run_or_exit(log_images, workdir)
      logging.info('TensorBoard: %s more PNGs of %s logged', logged, workdir)

  launch(main)
