"""Benchmarks of notes 4.11: NMS on 1,000 and 5,000 boxes; sliding windows vs conv.

  python launch/bench_detection.py [--sizes=1000,5000] [--image_size=64]

Prints two Markdown tables (median ms over repeated jitted calls).
"""

from absl import flags

from jaxdl.detection import benchmark
from jaxdl.cli import launch, run_or_exit

_SIZES = flags.DEFINE_list('sizes', ['1000', '5000'], 'numbers of boxes for NMS')
_MAX_OUTPUTS = flags.DEFINE_integer('max_outputs', 100, 'static NMS output size')
_IMAGE = flags.DEFINE_integer('image_size', 64, 'image side for the sliding-window comparison')
_BATCH = flags.DEFINE_integer('batch', 4, 'images per sliding-window call')
_REPEATS = flags.DEFINE_integer('repeats', 10, 'timed calls per measurement')


def main(argv):
  del argv
  sizes = run_or_exit(
      benchmark.check_flags,
      _SIZES.value,
      _MAX_OUTPUTS.value,
      _IMAGE.value,
      _BATCH.value,
      _REPEATS.value,
  )
  print('| boxes | max_outputs | kept | jitted NMS ms | Python loop ms |')
  print('|---:|---:|---:|---:|---:|')
  for n in sizes:
    r = benchmark.time_nms(n, max_outputs=_MAX_OUTPUTS.value, repeats=_REPEATS.value)
    print(
        f"| {r['n']} | {r['max_outputs']} | {r['kept']} | {r['jax_ms']:.2f} | {r['python_ms']:.0f} |"
    )
  r = benchmark.time_sliding_windows(_IMAGE.value, _BATCH.value, repeats=_REPEATS.value)
  print(
      '\n| image | batch | windows/image | crop every window ms | convolutional ms | ratio | max |diff| |'
  )
  print('|---:|---:|---:|---:|---:|---:|---:|')
  print(
      f"| {r['image_size']} | {r['batch']} | {r['windows']} | {r['crop_ms']:.1f} | {r['conv_ms']:.1f} | "
      f"{r['ratio']:.1f}x | {r['max_abs_diff']:.1e} |"
  )


if __name__ == '__main__':
  launch(main)
