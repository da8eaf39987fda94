"""The classic ConvNet zoo (notes 4.8-4.10, 4.14.2), one architecture per module.

Each architecture is a flax.linen module with a ``num_classes`` field, a
``dtype`` for the computation (params stay float32) and ``train`` as a call
argument, and its size variants are ``functools.partial``s of it: LeNet-5
(``lenet``), AlexNet (``alexnet``), VGG-16/19 (``vgg``), ResNet-18/34/50 and
its blocks (``resnet``), GoogLeNet and the Inception module (``inception``),
the CIFAR ResNets and plain nets of the degradation experiment
(``cifar_resnet``), and ConvNets over 1, 2 or 3 spatial axes (``convnet_nd``,
``conv1d``, ``conv3d``). The ``*Tiny`` variants are for tests. Names are
imported on first use; ``jaxdl.models.build_model`` reaches them by name.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'lenet': ('LeNet5',),
        'alexnet': ('AlexNet', 'AlexNetTiny'),
        'vgg': ('VGG', 'VGG16', 'VGG19', 'VGG19Tiny', 'vgg_layer_names'),
        'resnet': (
            'ResNet',
            'ResNet18',
            'ResNet34',
            'ResNet50',
            'CifarResNet18',
            'ResNetTiny',
            'BasicBlock',
            'Bottleneck',
        ),
        'inception': ('GoogLeNet', 'GoogLeNetTiny', 'InceptionModule'),
        'cifar_resnet': ('CifarResNet', 'ResNet20', 'ResNet56', 'PlainNet20', 'PlainNet56'),
        'convnet_nd': ('ConvNetND',),
        'conv1d': ('SignalNet',),
        'conv3d': ('VolumeNet',),
    },
)
