"""Errors a user can act on; launchers print them as one line and exit 1."""


class JaxdlError(ValueError):
  """Base class: bad config, unavailable dataset, diverged training."""


class ConfigError(JaxdlError):
  """An invalid config field; the message names the field and accepted values."""


class DatasetUnavailableError(JaxdlError):
  """A dataset that cannot be loaded here; the message lists embedded ones."""


class NonFiniteLossError(JaxdlError):
  """The training loss became NaN/inf; the message names the first bad step."""

  def __init__(self, step: int, value: float, checkpoint_step: int | None):
    kept = (
        f'last good checkpoint: step {checkpoint_step}'
        if checkpoint_step is not None
        else 'no checkpoint had been saved yet'
    )
    super().__init__(
        f'non-finite training loss ({value}) at step {step}; training ' f'stopped, {kept}'
    )
    self.step = step


class WorkdirError(JaxdlError):
  """The workdir cannot be used: not a directory, read-only, disk full."""


class WorkdirBusyError(WorkdirError):
  """Another process holds the workdir's lock; the message names it."""


class ConfigChangedError(JaxdlError):
  """A rerun changes fields that define the experiment of an existing workdir."""


class CheckpointWriteError(WorkdirError):
  """A checkpoint could not be written (disk full, read-only, I/O error)."""

  def __init__(self, directory: str, step: int, cause: str, good_step: int | None):
    kept = (
        f'the last good checkpoint (step {good_step}) is intact; rerun to resume '
        'once the cause is fixed'
        if good_step is not None
        else 'no checkpoint had been written yet'
    )
    super().__init__(f'cannot write checkpoint step {step} in {directory}: {cause}; {kept}')
    self.step = step
