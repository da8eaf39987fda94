"""Section 4 experiments on the zoo: classification with a layer table, plain vs residual."""
