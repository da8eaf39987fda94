"""Test set-up: 8 simulated CPU devices and the --runslow switch.

XLA reads XLA_FLAGS once, when the backend starts, so the flag is set here,
before any test module imports jax. The tests also get the XLA:CPU flags that
every launcher adds (jaxdl.cpu.xla_flags), so they run what users run.
"""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=8")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from jaxdl.cpu import xla_flags  # noqa: E402  (imports no jax)

xla_flags.tune_xla_cpu()

import pytest  # noqa: E402


def pytest_addoption(parser):
  parser.addoption(
      "--runslow",
      action="store_true",
      default=False,
      help="also run tests marked slow (full-size experiments)",
  )


def pytest_collection_modifyitems(config, items):
  if config.getoption("--runslow"):
    return
  skip = pytest.mark.skip(reason="slow: run with --runslow")
  for item in items:
    if "slow" in item.keywords:
      item.add_marker(skip)
