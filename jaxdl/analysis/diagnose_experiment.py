"""The experiment behind launch/diagnose.py: a diagnosis from measured errors (notes 3.8, 3.12).

Nothing is trained and nothing is written: the config holds the errors and
split sizes of a model measured elsewhere, and the report is the notes'
reading of them (``jaxdl.analysis.diagnosis``). launch/diagnose.py therefore
has no --workdir, and ``workdir`` is None here.
"""

from __future__ import annotations

from jaxdl.analysis.diagnosis import Diagnosis, diagnosis_from_config


def run(config, workdir: str | None = None) -> tuple[Diagnosis, dict[str, int]]:
  """(Diagnosis, {split: n} of the known sizes) of config's errors; see diagnosis_from_config."""
  del workdir  # writes nothing
  return diagnosis_from_config(config)


def report(result: tuple[Diagnosis, dict[str, int]], workdir: str | None = None) -> str:
  """What launch/diagnose.py prints: the diagnosis (with intervals where sizes are known)."""
  del workdir
  diagnosis, num_examples = result
  return diagnosis.report(num_examples)
