"""jaxdl.cpu.xla_flags: which flags are added, when, and that XLA obeys them."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from jaxdl.cpu import xla_flags
from jaxdl.errors import ConfigError
from tests.helpers import ROOT

_FLAG = xla_flags.TUNED_FLAGS[0].split('=', 1)[0]


def test_flags_are_appended_once_and_the_users_own_setting_wins():
  assert xla_flags.tuned_xla_flags('') == ' '.join(xla_flags.TUNED_FLAGS)
  once = xla_flags.tuned_xla_flags('--xla_force_host_platform_device_count=8')
  assert once.startswith('--xla_force_host_platform_device_count=8 ')
  assert xla_flags.tuned_xla_flags(once) == once  # idempotent
  mine = f'{_FLAG}=-individual_dot'
  assert xla_flags.tuned_xla_flags(mine) == mine


def test_tuning_is_gated_on_version_and_opt_out():
  measured = xla_flags.TUNED_JAXLIB[0]
  assert xla_flags.should_tune({}, measured)
  assert not xla_flags.should_tune({}, (measured[0], measured[1] + 1))
  for off in ('0', 'false', 'No'):
    assert not xla_flags.should_tune({xla_flags.OPT_OUT_VARIABLE: off}, measured)
  env = {xla_flags.OPT_OUT_VARIABLE: '0', 'XLA_FLAGS': '--a=1'}
  assert not xla_flags.tune_xla_cpu(env) and env['XLA_FLAGS'] == '--a=1'


def test_host_devices_are_validated_and_added_on_request(monkeypatch):
  monkeypatch.setattr(xla_flags, 'backends_started', lambda: False)
  assert xla_flags.host_device_flags(2) == (
      '--xla_force_host_platform_device_count=2',
      '--xla_cpu_multi_thread_eigen=false',
  )
  for bad in ('two', '0', '-1', '1.5'):
    with pytest.raises(ConfigError, match=xla_flags.HOST_DEVICES_VARIABLE):
      xla_flags.tune_xla_cpu({xla_flags.HOST_DEVICES_VARIABLE: bad})
  # Opted out of the tuning, the requested devices still come.
  env = {xla_flags.HOST_DEVICES_VARIABLE: '2', xla_flags.OPT_OUT_VARIABLE: '0'}
  assert not xla_flags.tune_xla_cpu(env)
  assert env['XLA_FLAGS'] == ' '.join(xla_flags.host_device_flags(2))


def test_host_devices_reach_jax_in_a_launched_process():
  env = dict(
      os.environ, PYTHONPATH=str(ROOT), XLA_FLAGS='', **{xla_flags.HOST_DEVICES_VARIABLE: '3'}
  )
  code = (
      'from jaxdl.cpu import xla_flags; xla_flags.tune_xla_cpu(); import jax; '
      'print(jax.device_count())'
  )
  out = subprocess.run(
      [sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=120, check=True
  ).stdout
  assert out.strip().splitlines()[-1] == '3'


def test_in_this_process_jax_already_started_so_nothing_changes():
  import jax

  jax.devices()  # conftest's process: backends exist, XLA_FLAGS was read
  env = {'XLA_FLAGS': '--a=1'}
  assert not xla_flags.tune_xla_cpu(env) and env['XLA_FLAGS'] == '--a=1'


_PROBE = r"""
import json, sys
import numpy as np
from jaxdl.cpu import xla_flags
from jaxdl.errors import ConfigError
import jax  # imported, not started: the flags still reach XLA
applied = xla_flags.tune_xla_cpu() if sys.argv[1] == 'tuned' else False
import jax.numpy as jnp
rng = np.random.default_rng(0)
x = jnp.asarray(rng.normal(size=(4, 8, 8, 64)), jnp.float32)
w = jnp.asarray(rng.normal(size=(3, 3, 64, 64)) / 24, jnp.float32)
def loss(x, w):
  y = jax.lax.conv_general_dilated(x, w, (1, 1), 'SAME',
                                   dimension_numbers=('NHWC', 'HWIO', 'NHWC'))
  return (jnp.tanh(y) ** 2).sum()
f = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))
hlo = f.lower(x, w).compile().as_text()
val, (gx, gw) = f(x, w)
np.savez(sys.argv[2], val=val, gx=gx, gw=gw)
print(json.dumps({'applied': applied, 'again': xla_flags.tune_xla_cpu(),
                  'ynn': hlo.count('__ynn_fusion'),
                  # convolutions XLA runs itself: outside any fused computation
                  'conv': hlo[hlo.index('ENTRY'):].count(' convolution(')}))
"""


def _probe(mode, out):
  env = dict(os.environ, PYTHONPATH=str(ROOT), XLA_FLAGS='')
  env.pop(xla_flags.OPT_OUT_VARIABLE, None)
  res = subprocess.run(
      [sys.executable, '-c', _PROBE, mode, str(out)],
      env=env,
      capture_output=True,
      text=True,
      timeout=120,
      check=True,
  )
  return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(
    xla_flags.jaxlib_version() not in xla_flags.TUNED_JAXLIB,
    reason='flags measured on another jaxlib',
)
def test_tuned_process_keeps_convolutions_in_xla_with_the_same_numbers(tmp_path):
  default = _probe('default', tmp_path / 'default.npz')
  tuned = _probe('tuned', tmp_path / 'tuned.npz')
  # jaxlib 0.10's default hands the convolutions to YNNPACK; tuned, XLA runs
  # them itself (forward, input gradient and kernel gradient: 3 convolutions).
  assert default['ynn'] >= 1 and default['conv'] < 3, default
  assert (tuned['applied'], tuned['again'], tuned['conv']) == (True, False, 3)
  a, b = np.load(tmp_path / 'default.npz'), np.load(tmp_path / 'tuned.npz')
  for k in ('val', 'gx', 'gw'):  # float32 sums in another order
    scale = np.abs(a[k]).max()
    np.testing.assert_allclose(a[k], b[k], rtol=0, atol=1e-5 * scale)


def test_cpu_device_count_reads_xla_flags():
  count = xla_flags.cpu_device_count
  assert count({}) == 1
  assert count({'XLA_FLAGS': '--xla_cpu_multi_thread_eigen=false'}) == 1
  assert count({'XLA_FLAGS': '--xla_force_host_platform_device_count=8'}) == 8
  assert (
      count(
          {
              'XLA_FLAGS': '--xla_force_host_platform_device_count=8 '
              '--xla_force_host_platform_device_count=2'
          }
      )
      == 2
  )
