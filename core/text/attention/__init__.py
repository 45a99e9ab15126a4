"""Attention: capture it from the model that predicted, the lab a page draws, the MLP block, the cost of context, directions."""
