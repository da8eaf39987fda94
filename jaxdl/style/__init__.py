"""Neural style transfer (notes 4.14): costs, VGG-19 features and weights, image optimisation."""
