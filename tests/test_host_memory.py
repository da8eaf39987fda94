"""jaxdl.host_memory: when malloc is tuned, and that XLA then stops page-faulting."""
import json
import os
import platform
import subprocess
import sys

import pytest

from jaxdl import host_memory

# Runs a jitted step whose two temporaries (~38 MB each) are larger than
# glibc's largest automatic mmap threshold (32 MB), and prints the median
# minor page faults of a call after warm-up.
_PROBE = r'''
import json, os, resource, sys
from jaxdl import host_memory
os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:1])  # where it applies
tuned = host_memory.tune_malloc()
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
print(json.dumps({'tuned': tuned, 'faults': faults}))
'''


def test_should_tune_only_on_glibc_one_cpu_and_not_opted_out():
  assert host_memory.should_tune({}, 'glibc', 1)
  assert not host_memory.should_tune({}, '', 1)  # musl, macOS: no mallopt
  # Several CPUs: threads would queue on the one arena's lock.
  for cpus in (2, 8, 64):
    assert not host_memory.should_tune({}, 'glibc', cpus)
  for off in ('0', 'false', 'No'):
    assert not host_memory.should_tune(
        {host_memory.OPT_OUT_VARIABLE: off}, 'glibc', 1)
  assert host_memory.should_tune({host_memory.OPT_OUT_VARIABLE: '1'}, 'glibc', 1)


def test_opted_out_or_several_cpus_changes_nothing():
  assert not host_memory.tune_malloc({host_memory.OPT_OUT_VARIABLE: '0'}, cpus=1)
  assert not host_memory.tune_malloc({}, cpus=2)


def _probe(opt_out: str) -> dict:
  env = dict(os.environ, **{host_memory.OPT_OUT_VARIABLE: opt_out,
                            'XLA_FLAGS': '', 'JAX_PLATFORMS': 'cpu'})
  out = subprocess.run([sys.executable, '-c', _PROBE], env=env, check=True,
                       capture_output=True, text=True, timeout=300)
  return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(platform.libc_ver()[0] != 'glibc',
                    reason='malloc tuning applies to glibc only')
def test_tuned_malloc_stops_per_step_page_faults():
  plain, tuned = _probe('0'), _probe('1')
  # The probe pins itself to one CPU: tuned only if usable_cpus() saw that.
  assert not plain['tuned'] and tuned['tuned']
  # Untuned, each call faults its temporaries in again (measured: ~9,400
  # 4 KiB pages); tuned, the heap keeps them (measured: 0).
  assert plain['faults'] > 5_000, plain
  assert tuned['faults'] < plain['faults'] / 20, (plain, tuned)
