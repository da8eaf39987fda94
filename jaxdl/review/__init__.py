"""Looking back at a finished run: its config, its checkpoint, its predictions, its errors.

  config_file  load a launch config file (with ':variant') by path
  restore      rebuild a run's model and state from its config and restore its checkpoint
  error_run    the error analysis (notes 3.10, 3.11) of a restored run
"""
