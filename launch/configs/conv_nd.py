"""1D and 3D ConvNets on generated signals and volumes (notes 4.14.2).

  python launch/conv_nd.py --workdir=/tmp/conv_nd
  python launch/conv_nd.py --config=launch/configs/conv_nd.py:volume --workdir=/tmp/conv_3d

Default: `signal_net` (1D filters of 7 samples, 3 conv+pool stages) on 4,000
generated ECG-like records of 256 samples (2.56 s at 100 Hz, 5 classes:
normal, wide QRS, inverted T, AF-like, premature ventricular beat; rate,
gain, wave shapes, phase, baseline wander and noise all random), 1,000 dev and
1,000 test records (jaxdl/convnets/nd_data.py, no download). `:volume`:
`volume_net` (3x3x3 filters) on 1,600 16^3 volumes holding a sphere, cube
shell, rod or cross at a random place and size in noise. On a loaded 2-core
CPU the default takes about 20 s and reaches about 1.4 % test error (18,469
parameters); `:volume` about 2.5 minutes and 5 % (17,684 parameters).
`:smoke` and `:volume_smoke` are the tiny variants the tests run.
"""

import ml_collections

from jaxdl.review.config_file import load_config, sibling


def get_config(variant: str = '') -> ml_collections.ConfigDict:
  c = load_config(sibling(__file__, 'train.py'))  # the core fields, commented there
  c.dataset = 'ecg'  # generated: ecg (1D) | shapes3d (3D), jaxdl/convnets/nd_data.py
  c.generator = ml_collections.ConfigDict()
  c.generator.sizes = {'train': 4000, 'dev': 1000, 'test': 1000}  # examples per split
  c.generator.size = 256  # ecg: samples per record at 100 Hz; shapes3d: voxels per side
  c.model = 'signal_net'  # signal_net (1D) | volume_net (3D), jaxdl/models/registry.py
  c.model_kwargs = ml_collections.ConfigDict()  # fields of ConvNetND
  c.model_kwargs.features = (16, 32, 64)  # filters per conv + pool stage
  c.model_kwargs.kernel_size = 7  # filter extent in samples (70 ms)
  c.num_epochs = 20  # passes over train
  c.batch_size = 64  # global batch, divisible by the number of devices
  c.optimizer.learning_rate = 3e-3  # Adam's alpha_0, cosine-decayed
  c.eval_every_steps = 150  # dev evaluation period

  if variant in ('volume', 'volume_smoke'):
    c.dataset = 'shapes3d'
    c.generator.sizes = {'train': 1600, 'dev': 400, 'test': 400}
    c.generator.size = 16
    c.model = 'volume_net'
    c.model_kwargs.features = (8, 16, 32)
    c.model_kwargs.kernel_size = 3
    c.num_epochs = 12
    c.eval_every_steps = 100
    c.eval_train_examples = 400  # re-evaluating all of train costs as much as an epoch
  if variant in ('smoke', 'volume_smoke'):
    c.generator.sizes = {'train': 640, 'dev': 64, 'test': 64}
    c.num_epochs = 6
    c.batch_size = 32
    c.log_every_steps = 5
    c.eval_every_steps = 20
    c.checkpoint_every_steps = 40
    c.eval_train = False
    if variant == 'smoke':
      c.model_kwargs.features = (8, 16)
      c.optimizer.learning_rate = 1e-2  # few steps: learn fast
    else:
      c.generator.size = 12  # the smallest side the shapes fit in
      c.model_kwargs.features = (4, 8, 16)  # three stages: a receptive field that spans a shape
  elif variant not in ('', 'volume'):
    raise ValueError(
        f"unknown config variant {variant!r}; accepted: '', 'smoke', 'volume', 'volume_smoke'"
    )
  return c
