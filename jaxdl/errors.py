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
    kept = (f'last good checkpoint: step {checkpoint_step}' if checkpoint_step is not None
            else 'no checkpoint had been saved yet')
    super().__init__(f'non-finite training loss ({value}) at step {step}; training '
                     f'stopped, {kept}')
    self.step = step
