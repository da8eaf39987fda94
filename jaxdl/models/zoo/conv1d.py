"""1D ConvNet for signals [batch, length, channels] (notes 4.14.2).

A filter of size f slides along time: a length-n signal gives n - f + 1 outputs
(valid) or n (same), exactly the 2D arithmetic on one axis.
"""

import functools

from jaxdl.models.zoo import convnet_nd

SignalNet = functools.partial(
    convnet_nd.ConvNetND, spatial_dims=1, features=(16, 32), kernel_size=5
)
