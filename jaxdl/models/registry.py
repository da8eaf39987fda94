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
    'embedding_net': 'jaxdl.embedding.encoder:EmbeddingNet',
}


def build_model(name: str, num_classes: int, **kwargs: Any) -> nn.Module:
  """Instantiates model ``name``; unknown names list the known ones."""
  if name not in MODELS:
    raise ValueError(f'unknown model {name!r}; known: {", ".join(sorted(MODELS))}')
  module, cls = MODELS[name].split(':')
  return getattr(importlib.import_module(module), cls)(num_classes=num_classes, **kwargs)
