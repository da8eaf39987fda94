"""The classic ConvNet zoo (notes 4.8-4.10, 4.14.2), one architecture per module."""
