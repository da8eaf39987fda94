"""Siamese embeddings, triplet loss, face verification and one-shot learning (notes 4.12-4.13)."""
