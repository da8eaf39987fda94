"""Benchmarks of the training step and the input pipeline, each behind a launcher.

``throughput`` measures a model's compile time, examples/s and input-wait
share on the current devices; ``accelerator`` the same on a GPU or TPU with
the model FLOPs utilisation (MFU) of the compiled step; ``input_pipeline``
what the pipeline delivers per second, what it costs a step and its memory;
``torch_peer`` jaxdl's train step against the PyTorch step a user would
write instead. Each module has ``check_flags``, ``measure`` (or ``compare``)
and ``format_table``; launch/bench_*.py call them. Modules are imported on
first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__, {}, modules=('throughput', 'accelerator', 'input_pipeline', 'torch_peer')
)
