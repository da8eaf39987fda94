"""jaxdl: the deep-learning notes as a functional JAX library (flax, optax, sharded jit).

Everything is a pure function of arrays or a flax module, composed by the
caller: ``train`` holds the training core (the ``TrainState``, the pure and
the jitted data-parallel steps, the ``Task`` that says what is optimised, and
``train_and_evaluate``, a whole resumable run from a config); ``models`` the
model registry (``build_model``) and the ConvNet zoo; ``optim`` the optimizer
and learning-rate factories and the notes' optimizers and schedules; ``data``
``load_dataset``, the embedded datasets, host batching and the input
pipeline; ``parallel`` the device mesh and shardings; ``cpu`` the XLA:CPU
tuning that launchers apply before jax starts. The notes' other sections
each have a package: ``analysis`` (metrics, dev/test sizing, diagnosis,
error analysis), ``regularization``, ``augment``, ``hparam`` (search, trials
run vectorised), ``mismatch``, ``transfer``, ``multitask``, ``convnets``
(the section 4 experiments), ``detection``, ``embedding`` (siamese nets,
triplet loss), ``style`` (neural style transfer), ``sequence`` (RNNs,
language models, translation), with ``review`` (reopening a finished run),
``viz`` (curves, TensorBoard summaries), ``bench`` (throughput benchmarks)
and ``errors`` (the exceptions a user can act on). Subpackages are imported
on first attribute access (``jaxdl.train.create_train_state``), so
``import jaxdl`` loads no jax and leaves XLA_FLAGS free to be set first.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable, Mapping, Sequence

SUBPACKAGES = (
    'analysis',
    'augment',
    'bench',
    'convnets',
    'cpu',
    'data',
    'detection',
    'embedding',
    'hparam',
    'mismatch',
    'models',
    'multitask',
    'optim',
    'parallel',
    'regularization',
    'review',
    'sequence',
    'style',
    'train',
    'transfer',
    'viz',
)


def _lazy(
    package: str, exports: Mapping[str, Sequence[str]], modules: Sequence[str] = ()
) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
  """``(__all__, __getattr__, __dir__)`` for a package that imports on first use.

  A package's public names live in its modules; importing them eagerly would
  make ``import jaxdl.train`` load jax, flax and optax. Instead the package
  assigns the three values returned here and each name is imported when it
  is first read (then cached in the package), as is any submodule read as an
  attribute (``jaxdl.train.steps``).

  Args:
    package: the package's ``__name__``.
    exports: module -> the public names it defines; a module is relative to
      ``package`` ('steps') or absolute ('jaxdl.sequence.char_lm') for a
      name re-exported from another package.
    modules: submodules that are themselves public (listed in ``__all__``).

  Returns:
    (``__all__``: modules then names, ``__getattr__``, ``__dir__``).
  """
  where = {
      name: (module if module.startswith('jaxdl.') else f'{package}.{module}')
      for module, names in exports.items()
      for name in names
  }
  public = list(modules) + list(where)

  def __getattr__(name: str) -> Any:
    if name in where:
      value = getattr(importlib.import_module(where[name]), name)
    elif not name.startswith('_'):
      try:
        value = importlib.import_module(f'{package}.{name}')
      except ModuleNotFoundError as e:
        if e.name != f'{package}.{name}':
          raise  # the submodule exists; one of its own imports is missing
        raise AttributeError(f'module {package!r} has no attribute {name!r}') from None
    else:
      raise AttributeError(f'module {package!r} has no attribute {name!r}')
    setattr(sys.modules[package], name, value)
    return value

  def __dir__() -> list[str]:
    import pkgutil

    mod = sys.modules[package]
    found = [m.name for m in pkgutil.iter_modules(mod.__path__)]
    return sorted(set(vars(mod)) | set(public) | set(found))

  return public, __getattr__, __dir__


__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'errors': (
            'JaxdlError',
            'ConfigError',
            'DatasetUnavailableError',
            'NonFiniteLossError',
            'WorkdirError',
        )
    },
    modules=SUBPACKAGES + ('errors',),
)
