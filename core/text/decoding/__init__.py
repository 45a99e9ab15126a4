"""Decoding and seq2seq: traced greedy / beam / sampling, the beam-width study, the date translators, the bottleneck."""
