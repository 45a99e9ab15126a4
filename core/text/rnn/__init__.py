"""Recurrent networks: RNN / GRU / LSTM cells by hand, deep and bidirectional stacks, the char LM, gradients."""
