"""Training and testing on different distributions (notes 3.12, 3.13).

  data        train on distribution A (+ optionally some B), train-dev from train's
              distribution, dev/test from B ("user photos"); artificial data synthesis
  experiment  the measured diagnosis, with and without synthesis
"""
