"""Text, one room per idea: attention/ (capture from the model that predicted, the lab view, the MLP block,
the cost of context, directions), lm/ (loading, corpus, n-grams, Zipf, perplexity, the tiny GPT), rnn/ (cells
by hand, deep and bidirectional stacks, the char LM, gradients), decoding/ (traced search, the beam-width
study, seq2seq translators, the bottleneck) and bert/ (masked LM, NSP, the pre-training view)."""
