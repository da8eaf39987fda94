"""3D ConvNet for volumes [batch, depth, height, width, channels] (notes 4.14.2).

Filters get a third extent (e.g. 3x3x3 x C_in); a D x H x W volume shrinks
along each axis by the same arithmetic as in 2D (CT scans, video clips).
"""

import functools

from jaxdl.models.zoo import convnet_nd

VolumeNet = functools.partial(convnet_nd.ConvNetND, spatial_dims=3, features=(8, 16), kernel_size=3)
