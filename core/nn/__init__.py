"""Neutral building blocks that text and vision both use (attention rollout); imports nothing but torch."""
