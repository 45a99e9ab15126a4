"""What every tab of the Attention lab reads: the model, the prompt, the chosen layer and head, and the
run the page made of them (core.text.attention.view.analyze)."""
from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PROMPT = "The cat sat on the"


@dataclass
class AttentionRun:
    name: str  # the model as the page names it ("gpt-tiny", "hf:<id>"); with mode, the key of cached results
    mode: str  # the model source (ui.model_source)
    text: str  # the prompt as typed
    model: object
    tokenizer: object
    resolution: object  # which weights (a core.zoo Resolution)
    decoder: bool  # causal (GPT-style) or an encoder (BERT-style)
    layer: int
    head: int
    temperature: float
    res: object  # core.text.attention.view.LabResult

    @property
    def tr(self):  # the run as shown (the mask as chosen): an AttentionTrace
        return self.res.trace

    @property
    def T(self) -> int:  # tokens in the run
        return len(self.res.trace.ids)

    @property
    def L(self) -> int:
        return self.model.config.num_hidden_layers

    @property
    def H(self) -> int:
        return self.model.config.num_attention_heads
