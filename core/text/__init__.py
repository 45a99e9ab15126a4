"""Text: language-model loading, attention capture, MLP inspection, the tiny GPT and its corpus."""
