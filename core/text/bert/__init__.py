"""BERT's pre-training: the masked-LM recipe, next-sentence pairs, the three input embeddings, fill-mask."""
