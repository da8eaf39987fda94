"""Transfer learning (notes 3.14): pretrain on task A, fine-tune on task B.

  freezing    optimizer that freezes the backbone or gives it a smaller learning rate
  pretrained  parameters from another run's orbax checkpoint, warm-started models
  finetune    a short training run with a given optimizer and initial parameters
"""
