"""Sequence models of notes §5: recurrent cells, architectures, a character
language model and encoder–decoder translation with beam search."""
