"""Multi-task learning (notes 3.15): sigmoid heads on shared features, missing labels.

  loss   masked sigmoid cross-entropy averaged over present labels; the Task
  shapes generated multi-object images (which of several shapes are present)
"""
