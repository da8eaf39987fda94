"""jaxdl.cpu.host_memory: which mode applies where, and that XLA then stops page-faulting."""

import json
import os
import platform
import subprocess
import sys

import pytest

from jaxdl.cpu import host_memory

_GLIBC = platform.libc_ver()[0] == 'glibc'

# Runs a jitted step whose two temporaries (~38 MB each) are larger than
# glibc's largest automatic mmap threshold (32 MB), and prints the median
# minor page faults of a call after warm-up. argv[1] == 'pin': one CPU only.
_PROBE = r"""
import json, os, resource, sys
from jaxdl.cpu import host_memory
if sys.argv[1] == 'pin':
  os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:1])
mode = host_memory.tune_malloc()
import jax, jax.numpy as jnp
x = jnp.ones((1_200_000, 8), jnp.float32)
w = jnp.ones((8, 8), jnp.float32)
step = jax.jit(lambda x, w: jnp.sum(jnp.sin(x) @ w))
for _ in range(5):  # the heap grows to its steady size
  step(x, w).block_until_ready()
counts = []
for _ in range(11):
  before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
  step(x, w).block_until_ready()
  counts.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
faults = sorted(counts)[5]  # median: a call now and then still finds new pages
print(json.dumps({'mode': mode, 'faults': faults,
                  'async': jax.config.read('jax_cpu_enable_async_dispatch')}))
"""

# Async dispatch turned off first (as a user might), then 8 CPU devices:
# tune_malloc must turn it back on, or the all-reduce below never finishes.
_DEVICES_PROBE = r"""
import os
import jax
jax.config.update('jax_cpu_enable_async_dispatch', False)
os.environ['XLA_FLAGS'] = '--xla_force_host_platform_device_count=8'
from jaxdl.cpu import host_memory
mode = host_memory.tune_malloc()
import jax.numpy as jnp
from jax.sharding import NamedSharding, PartitionSpec as P
mesh = jax.make_mesh((8,), ('d',))
x = jax.device_put(jnp.arange(64.).reshape(8, 8), NamedSharding(mesh, P('d')))
total = jax.jit(jnp.sum, out_shardings=NamedSharding(mesh, P()))(x)
print(mode, jax.config.read('jax_cpu_enable_async_dispatch'), float(total))
"""


def test_choose_mode():
  choose = host_memory.choose_mode
  assert choose({}, 'glibc', 1, 1) == host_memory.ONE_ARENA
  assert choose({}, 'glibc', 1, 8) == host_memory.ONE_ARENA  # no lock contention
  # Several CPUs: one arena's lock would make threads queue.
  for cpus in (2, 8, 64):
    assert choose({}, 'glibc', cpus, 1) == host_memory.SYNC_DISPATCH
    # Several CPU devices: synchronous dispatch would deadlock.
    assert choose({}, 'glibc', cpus, 2) == host_memory.UNTOUCHED
  assert choose({}, '', 1, 1) == host_memory.UNTOUCHED  # musl, macOS: no mallopt
  for off in ('0', 'false', 'No'):
    assert choose({host_memory.OPT_OUT_VARIABLE: off}, 'glibc', 1, 1) == (host_memory.UNTOUCHED)
  assert choose({host_memory.OPT_OUT_VARIABLE: '1'}, 'glibc', 2, 1) == (host_memory.SYNC_DISPATCH)
  # On a GPU or TPU the step's buffers are not in host memory.
  for cpus in (1, 2):
    assert choose({}, 'glibc', cpus, 1, on_cpu=False) == host_memory.UNTOUCHED


def test_cpu_backend_follows_jax_platforms(monkeypatch):
  assert host_memory.cpu_backend({'JAX_PLATFORMS': 'cpu'})
  assert not host_memory.cpu_backend({'JAX_PLATFORMS': 'cuda,cpu'})  # first wins
  assert not host_memory.cpu_backend({'JAX_PLATFORMS': 'tpu'})
  # Unset: the CPU unless an accelerator plugin is installed.
  monkeypatch.setattr(host_memory, 'accelerator_plugins', lambda: True)
  assert not host_memory.cpu_backend({})
  monkeypatch.setattr(host_memory, 'accelerator_plugins', lambda: False)
  assert host_memory.cpu_backend({})


def test_opted_out_changes_nothing():
  assert host_memory.tune_malloc({host_memory.OPT_OUT_VARIABLE: '0'}, cpus=2) == (
      host_memory.UNTOUCHED
  )


def _run(code: str, *args: str, **env_extra: str) -> str:
  env = dict(os.environ, **{'XLA_FLAGS': '', 'JAX_PLATFORMS': 'cpu', **env_extra})
  out = subprocess.run(
      [sys.executable, '-c', code, *args],
      env=env,
      check=True,
      capture_output=True,
      text=True,
      timeout=300,
  )
  return out.stdout.strip().splitlines()[-1]


def _probe(pin: bool, opt_out: str) -> dict:
  return json.loads(
      _run(_PROBE, 'pin' if pin else 'all', **{host_memory.OPT_OUT_VARIABLE: opt_out})
  )


@pytest.mark.skipif(not _GLIBC, reason='malloc tuning applies to glibc only')
def test_one_cpu_one_arena_stops_per_step_page_faults():
  plain, tuned = _probe(True, '0'), _probe(True, '1')
  # The probe pins itself to one CPU: one arena only if usable_cpus() saw that.
  assert (plain['mode'], tuned['mode']) == (host_memory.UNTOUCHED, host_memory.ONE_ARENA)
  # Untuned, each call faults its temporaries in again (measured: ~9,400
  # 4 KiB pages); tuned, the heap keeps them (measured: 0).
  assert plain['faults'] > 5_000, plain
  assert tuned['faults'] < plain['faults'] / 20, (plain, tuned)


@pytest.mark.skipif(
    not _GLIBC or host_memory.usable_cpus() < 2, reason='needs glibc and at least 2 usable CPUs'
)
def test_several_cpus_sync_dispatch_stops_per_step_page_faults():
  plain, tuned = _probe(False, '0'), _probe(False, '1')
  assert (plain['mode'], tuned['mode']) == (host_memory.UNTOUCHED, host_memory.SYNC_DISPATCH)
  assert plain['async'] and not tuned['async']
  # The temporaries are now malloc'd by the calling thread, whose arena
  # keeps them between calls.
  assert plain['faults'] > 5_000, plain
  assert tuned['faults'] < plain['faults'] / 20, (plain, tuned)


def test_several_devices_keep_async_dispatch():
  mode, async_on, total = _run(_DEVICES_PROBE).split()
  assert mode == host_memory.UNTOUCHED or mode == host_memory.ONE_ARENA
  assert async_on == 'True'
  assert float(total) == sum(range(64))


@pytest.mark.skipif(
    not _GLIBC or host_memory.usable_cpus() < 2, reason='needs glibc and at least 2 usable CPUs'
)
def test_launcher_trains_with_synchronous_dispatch(tmp_path):
  # conftest gives this process 8 devices; one device here, as users run it.
  root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  env = dict(os.environ, XLA_FLAGS='', JAX_PLATFORMS='cpu', PYTHONPATH=root)
  env.pop(host_memory.OPT_OUT_VARIABLE, None)
  out = subprocess.run(
      [
          sys.executable,
          'launch/train.py',
          '--config=launch/configs/train.py:smoke',
          f'--workdir={tmp_path}',
      ],
      cwd=root,
      env=env,
      capture_output=True,
      text=True,
      timeout=300,
  )
  assert out.returncode == 0, out.stderr[-2000:]
  assert f'host memory mode: {host_memory.SYNC_DISPATCH}' in out.stderr
  assert 'test error' in out.stdout
  assert (tmp_path / 'checkpoints').is_dir()
