"""Models by name and the pieces they are built from (notes 1, 4.1-4.10).

``build_model(name, num_classes, **kwargs)`` returns an unbound flax module
for any name in ``MODELS``: the MLP and small CNN of the early sections, the
zoo of notes 4.8-4.10 (LeNet-5, AlexNet, VGG, ResNet, GoogLeNet, the CIFAR
ResNets and plain nets, N-D ConvNets; the classes are exported here too, from
``jaxdl.models.zoo``) and the task-specific models other packages register.
Alongside: pooling layers with explicit padding and ceil mode (``pooling``),
the convolution arithmetic of notes 4.2-4.5 (output sizes, padding, parameter
counts: ``conv_arithmetic``), a numpy reference convolution
(``conv_reference``) and a per-layer table of output shapes and parameter
counts (``layer_table``); ``batchnorm_experiment.run`` measures steps to a
target loss with and without batch normalisation (notes 2.12). Names are
imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'registry': ('build_model', 'MODELS'),
        'mlp': ('MLP',),
        'cnn': ('SmallCNN',),
        'jaxdl.models.zoo.lenet': ('LeNet5',),
        'jaxdl.models.zoo.alexnet': ('AlexNet', 'AlexNetTiny'),
        'jaxdl.models.zoo.vgg': ('VGG', 'VGG16', 'VGG19', 'VGG19Tiny'),
        'jaxdl.models.zoo.resnet': (
            'ResNet',
            'ResNet18',
            'ResNet34',
            'ResNet50',
            'CifarResNet18',
            'ResNetTiny',
            'BasicBlock',
            'Bottleneck',
        ),
        'jaxdl.models.zoo.inception': ('GoogLeNet', 'GoogLeNetTiny', 'InceptionModule'),
        'jaxdl.models.zoo.cifar_resnet': (
            'CifarResNet',
            'ResNet20',
            'ResNet56',
            'PlainNet20',
            'PlainNet56',
        ),
        'jaxdl.models.zoo.convnet_nd': ('ConvNetND',),
        'jaxdl.models.zoo.conv1d': ('SignalNet',),
        'jaxdl.models.zoo.conv3d': ('VolumeNet',),
        'pooling': (
            'max_pool',
            'avg_pool',
            'global_avg_pool',
            'adaptive_avg_pool',
            'MaxPool',
            'AvgPool',
            'GlobalAvgPool',
            'AdaptiveAvgPool',
            'make_pool',
        ),
        'conv_arithmetic': (
            'conv_output_size',
            'conv_output_shape',
            'pool_output_shape',
            'same_padding',
            'conv_param_count',
            'dense_param_count',
        ),
        'layer_table': ('format_layer_table', 'total_params', 'LayerRow'),
    },
    modules=('zoo', 'batchnorm_experiment'),
)
