"""The accelerator benchmark and the FLOPs/MFU arithmetic it reports."""

import jax
import jax.numpy as jnp
import pytest

from jaxdl.bench import accelerator as bench
from jaxdl.errors import ConfigError
from jaxdl.train import flops


def test_xla_counts_a_matmul_as_2mnk_flops():
  a, b = jnp.ones((64, 32)), jnp.ones((32, 16))
  assert flops.step_flops(jax.jit(jnp.matmul), a, b) == 2 * 64 * 32 * 16


def test_peak_table_lookup_and_mfu():
  assert flops.table_peak('NVIDIA H100 80GB HBM3', 'bfloat16') == 989e12
  assert flops.table_peak('TPU v5 lite', 'bfloat16') == 197e12  # not v5p's 459
  assert flops.table_peak('TPU v5', 'bfloat16') == 459e12
  assert flops.table_peak('cpu', 'float32') is None
  assert flops.mfu(1e12, 0.5, 4e12) == pytest.approx(0.5)  # 2 TFLOP/s of 4
  assert flops.mfu(None, 0.5, 4e12) is None and flops.mfu(1e12, 0.5, None) is None
  assert flops.measured_matmul_peak('float32', size=256, repeats=2) > 0


def test_a_tiny_benchmark_row_per_source():
  peaks = {}
  rows = bench.measure('cnn', 'bfloat16', ('device', 'pipeline'), 1, 2, image_size=16, peaks=peaks)
  assert [r.source for r in rows] == ['device', 'pipeline']
  assert rows[0].compile_s > 0 and rows[1].compile_s == 0.0  # one compile, shared
  assert all(r.examples_per_s > 0 and r.flops_per_step > 0 for r in rows)
  assert rows[0].batch_size == jax.device_count()
  table = bench.format_table(rows, peaks)
  assert '| cnn | bfloat16 | pipeline |' in table and '(same)' in table


@pytest.mark.parametrize(
    'bad',
    [
        dict(models=['resnet99']),
        dict(dtypes=['float64']),
        dict(sources=['disk']),
        dict(batch_per_device=0),
        dict(steps=1),
    ],
)
def test_bad_flags_are_one_line_errors(bad):
  args = dict(
      models=['cnn'],
      dtypes=['float32'],
      sources=['device'],
      batch_per_device=1,
      steps=2,
      image_size=32,
      seq_len=8,
  )
  with pytest.raises(ConfigError) as e:
    bench.check_flags(**{**args, **bad})
  assert '\n' not in str(e.value)
