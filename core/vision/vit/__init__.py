"""Vision transformers: ViT patches and attention, MAE masking and reconstruction, Swin windows."""
