"""The throughput benchmark runs and reports consistent quantities."""

import numpy as np

from jaxdl.bench.throughput import format_table, measure
from jaxdl.models.mlp import MLP


def test_measure_reports_positive_rates_and_a_share():
  rng = np.random.default_rng(0)
  x = rng.random((64, 8, 8, 1), np.float32)
  y = rng.integers(0, 10, 64).astype(np.int32)
  r = measure('mlp', MLP(num_classes=10, hidden=(16,)), x, y, 10, batch_size=16, steps=3, warmup=1)
  assert r.compile_s > 0 and r.compute_examples_per_s > 0 and r.pipelined_examples_per_s > 0
  assert 0.0 <= r.input_wait_share <= 1.0
  table = format_table([r])
  assert '| mlp | 16 |' in table and '1.00x' in table
