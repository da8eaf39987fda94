"""Models by config name.

Each entry maps a name to ``'module:Class'`` (imported on demand) — the
zoo of notes 4.8–4.10 and the task-specific models register here too.
``build_model(name, num_classes, **kwargs)`` returns an unbound flax module.
"""

from __future__ import annotations

import importlib
from typing import Any

import flax.linen as nn

MODELS: dict[str, str] = {
    'mlp': 'jaxdl.models.mlp:MLP',
    'cnn': 'jaxdl.models.cnn:SmallCNN',
    'seq2seq': 'jaxdl.sequence.translation:PackedTranslator',
    'char_lm': 'jaxdl.sequence.char_lm:CharLM',
    'embedding_net': 'jaxdl.embedding.encoder:EmbeddingNet',
    'tiny_yolo': 'jaxdl.detection.model:TinyYOLO',  # notes 4.11.4
    # notes 4.8-4.10, 4.14.2: the zoo (jaxdl/models/zoo)
    'lenet5': 'jaxdl.models.zoo.lenet:LeNet5',
    'alexnet': 'jaxdl.models.zoo.alexnet:AlexNet',
    'vgg16': 'jaxdl.models.zoo.vgg:VGG16',
    'vgg19': 'jaxdl.models.zoo.vgg:VGG19',
    'resnet18': 'jaxdl.models.zoo.resnet:ResNet18',
    'resnet34': 'jaxdl.models.zoo.resnet:ResNet34',
    'resnet50': 'jaxdl.models.zoo.resnet:ResNet50',
    'cifar_resnet18': 'jaxdl.models.zoo.resnet:CifarResNet18',
    'googlenet': 'jaxdl.models.zoo.inception:GoogLeNet',
    'cifar_resnet': 'jaxdl.models.zoo.cifar_resnet:CifarResNet',
    'resnet20': 'jaxdl.models.zoo.cifar_resnet:ResNet20',
    'resnet56': 'jaxdl.models.zoo.cifar_resnet:ResNet56',
    'plain20': 'jaxdl.models.zoo.cifar_resnet:PlainNet20',
    'plain56': 'jaxdl.models.zoo.cifar_resnet:PlainNet56',
    'signal_net': 'jaxdl.models.zoo.conv1d:SignalNet',
    'volume_net': 'jaxdl.models.zoo.conv3d:VolumeNet',
}


def build_model(name: str, num_classes: int, **kwargs: Any) -> nn.Module:
  """Instantiates model ``name``; unknown names list the known ones."""
  if name not in MODELS:
    raise ValueError(f'unknown model {name!r}; known: {", ".join(sorted(MODELS))}')
  module, cls = MODELS[name].split(':')
  return getattr(importlib.import_module(module), cls)(num_classes=num_classes, **kwargs)
