"""The input-pipeline benchmark measures consistent quantities on tiny sizes."""

import numpy as np
import pytest

from jaxdl.bench import input_pipeline as bench
from jaxdl.data.sources import ArraySource
from jaxdl.errors import ConfigError


def _split(n=64, size=8):
  rng = np.random.default_rng(0)
  return {
      'image': rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8),
      'label': rng.integers(0, 10, n).astype(np.int32),
  }


def test_host_rate_and_input_wait_are_positive_and_tabulated():
  split = _split()
  rates = [bench.host_rate(split, 16, 2, 0, name='tiny')]
  wait = bench.input_wait(split, 'mlp', 10, 16, 2, 0)
  assert rates[0].images_per_s > 0 and wait.compute_images_per_s > 0
  assert 0.0 <= wait.wait_share <= 1.0
  decoded = bench.decoded_float32_bytes(ArraySource(split))
  assert decoded == 64 * 8 * 8 * 3 * 4  # every row the same size: exact
  table = bench.format_tables(rates, [wait], [('tiny', decoded, 2 * decoded)])
  assert '| tiny | 0 |' in table and '1.00x' in table and '| 0.5x |' in table


@pytest.mark.parametrize(
    'args',
    [
        ([], 16, 2, 64, 8),
        ([-1], 16, 2, 64, 8),
        ([0], 16, 1, 64, 8),
        ([0], 128, 2, 64, 8),
        ([0], 16, 2, 64, 4),
    ],
)
def test_bad_flags_are_one_line_errors(args):
  with pytest.raises(ConfigError) as e:
    bench.check_flags(*args)
  assert '\n' not in str(e.value)
