"""Exponentially weighted averages with bias correction (notes 2.4).

    v_0 = 0,   v_t = beta * v_{t-1} + (1 - beta) * theta_t
    corrected:  v_t / (1 - beta**t)

v_t averages roughly the last 1 / (1 - beta) values. Starting at v_0 = 0
biases the early estimates towards 0; dividing by 1 - beta**t removes that
bias (the weights of v_t then sum to one). Momentum, RMSprop and Adam
(notes 2.5-2.7) are this average applied to gradients.
"""

import jax
import jax.numpy as jnp


def ewa(series, beta, *, bias_correction=True):
  """Exponentially weighted average of a series along its leading axis.

  Args:
    series: [T, ...] values theta_1..theta_T.
    beta: decay in [0, 1).
    bias_correction: divide v_t by (1 - beta**t).

  Returns:
    [T, ...] float32 averages v_1..v_T.
  """
  if not 0.0 <= beta < 1.0:
    raise ValueError(f"beta must be in [0, 1), got {beta}.")
  series = jnp.asarray(series, jnp.float32)
  if series.ndim == 0:
    raise ValueError("series must have a leading time axis, got a scalar.")

  def step(v, theta):
    v = beta * v + (1.0 - beta) * theta
    return v, v

  _, averages = jax.lax.scan(step, jnp.zeros_like(series[0]), series)
  if bias_correction:
    t = jnp.arange(1, series.shape[0] + 1, dtype=jnp.float32)
    correction = 1.0 - beta**t
    averages = averages / correction.reshape((-1,) + (1,) * (series.ndim - 1))
  return averages


def effective_window(beta):
  """Approximate number of values averaged: 1 / (1 - beta)."""
  if not 0.0 <= beta < 1.0:
    raise ValueError(f"beta must be in [0, 1), got {beta}.")
  return 1.0 / (1.0 - beta)
