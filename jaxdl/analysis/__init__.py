"""Notes §3 as code: metrics, dev/test sizing, model selection, diagnosis, error analysis.

Modules, one job each:
  metrics        exact-count classification metrics, weighted error, per-group errors (3.2, 3.6)
  confidence     confidence interval of a measured error, split fractions by size (3.5)
  selection      optimizing + satisficing model selection (3.3)
  diagnosis      human/train/train-dev/dev/test gaps and remedies (2.2, 2.3, 3.1, 3.7-3.9, 3.12)
  error_analysis tagging misclassified examples, the 3.10 table, mislabel ranking (3.10, 3.11)
"""
