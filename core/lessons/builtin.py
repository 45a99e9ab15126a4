"""One lesson per chapter, in the course notes' order: each step is a live view and what to see in it.

Written as a teacher's lesson file would be (core/lessons/lesson.py reads both the same way), so a
teacher can copy one, edit it and load their own. tests/links walks every step of every lesson.
"""
from __future__ import annotations

from core.lessons.lesson import Lesson, parse_lesson_text

_TEXTS = {
    "attention": """
# title: Attention, from a prompt to the MLP
attention?att_tab=Attention+maps  A prompt goes in and a real Transformer reads it. Each square is one attention weight: how much the row's token looks at the column's token.
attention?att_tab=One+head%2C+step+by+step  One head, step by step: queries meet keys, the scores are scaled, a softmax turns them into weights, and the weights mix the values.
attention?att_tab=Mask+%26+temperature&att_mask=false  The causal mask off: every token may now look at later tokens too, which a model that predicts the next word must never do.
attention?att_tab=Mask+%26+temperature&att_temp=0.2  Temperature low: dividing the scores by a small number makes the softmax nearly an argmax; one token takes all the weight.
attention?att_tab=Mask+%26+temperature&att_temp=3  Temperature high: the weights spread out until every token gets almost the same share.
attention?att_tab=Multi-head&att_ablate=true  A head removed: its output is zeroed and we measure how much the next-token prediction moves.
attention?att_tab=MLP+%26+parameters  The MLP's share: most of a Transformer's parameters sit in the feed-forward blocks, not in attention.
""",
    "decoding": """
# title: Decoding, from greedy to beam search
decoding?dec_k=1  Beam width 1 is greedy search: keep the single best token at every step.
decoding  Beam width 4: four hypotheses survive each step; the tree shows every candidate and which were pruned.
decoding?dec_k=8  A wider beam looks further before committing, and can find a sequence greedy missed.
decoding?dec_alpha=-1.0  A negative length penalty α favours shorter outputs among the finished hypotheses.
decoding?dec_alpha=3.0  A large α favours longer outputs: the same beams, re-ranked.
decoding?dec_temp=1.5&dec_topk=10  Sampling instead of searching: temperature and top-k shape the distribution we draw from.
""",
    "sequence-models": """
# title: Sequence models, from counting to gates
sequence-models?seq_ng_n=1  A unigram model ignores the context: it predicts the most frequent words whatever came before.
sequence-models?seq_ng_n=3  A trigram model conditions on the last two words; the prediction changes with the context.
sequence-models?seq_tab=Zipf%27s+law+%26+table+sizes  Zipf's law: a few words are very common and most are rare, so the n-gram tables grow faster than the data.
sequence-models?seq_tab=Perplexity%2C+every+model  Perplexity puts every model on one scale: lower means less surprised by held-out text.
sequence-models?seq_tab=Vanishing+gradients+%26+clipping&seq_grad_scale=0.5  Small recurrent weights: the gradient shrinks step after step and early inputs stop mattering.
sequence-models?seq_tab=Vanishing+gradients+%26+clipping&seq_grad_scale=2.0  Large recurrent weights: the gradient explodes, which is why we clip it.
""",
    "cnns": """
# title: CNNs, from LeNet to DenseNet
cnns?cnn_arch=LeNet-5+%28the+notes%27+form%29  LeNet-5: two convolutions and three dense layers; count the parameters in each.
cnns?cnn_arch=AlexNet+%28the+notes%27+form%29  AlexNet: the same idea, far wider, on big images.
cnns?cnn_arch=VGG-11+%28the+notes%27+form%29  VGG: only 3×3 convolutions, stacked; the receptive field grows layer by layer.
cnns  ResNet-18 (the page opens on it): residual connections let a deep network train.
cnns?cnn_tab=Blocks&cnn_dense_growth=12  A DenseNet block: every layer adds growth-rate channels to what it receives.
cnns?cnn_tab=Feature+maps+%26+Grad-CAM  Feature maps and Grad-CAM: where a trained network looks when it decides.
""",
    "detection": """
# title: Detection, from a photo to DETR's matching
detection  A photo (or a ShapesWorld scene) and a detector's boxes, each with its class and score.
detection?det_score=0.7  A higher score threshold keeps only the confident boxes.
detector-internals?int_tab=Non-maximum+suppression  NMS step by step: keep the best box, drop the ones that overlap it, repeat.
detector-internals?int_tab=Non-maximum+suppression&int_nms_iou=0.8  A loose IoU threshold lets overlapping duplicates survive.
detector-internals?int_tab=Anchors+and+RPN  Anchors: boxes of several sizes and shapes at every feature-map cell, scored by the region proposal network.
detector-internals?int_tab=RoI+Pool+vs+RoI+Align  RoI Align samples the feature map at exact positions where RoI Pool rounds them.
detector-internals?int_tab=DETR+and+Hungarian+matching  DETR's matching: each ground-truth object gets exactly one prediction, the cheapest overall.
""",
    "vision-transformers": """
# title: Vision transformers: ViT, MAE, Swin, BERT
vision-transformers?vit_tab=ViT  ViT cuts the picture into patches and treats each as a token.
vision-transformers?vit_tab=ViT&vit_patch=8  Smaller patches: more tokens, finer detail, and attention that costs more.
vision-transformers?vit_tab=MAE&mae_ratio=0.5  MAE hides half the patches and learns to paint them back.
vision-transformers?vit_tab=MAE&mae_ratio=0.9  With 90 % hidden the reconstruction is blurrier, but the model still finds the shape.
vision-transformers?vit_tab=Swin  Swin attends inside windows and shifts them so neighbouring windows talk.
vision-transformers?vit_tab=BERT+pre-training  BERT's pre-training: hide words and predict them from both sides.
""",
    "linear-regression": """
# title: Linear regression, two ways
linear-regression  One feature, two ways: the normal equation solves in one shot, gradient descent walks there.
linear-regression?lin_noise=2.0  More noise: the fitted line moves away from the true one.
linear-regression?lin_eta=0.5  A larger learning rate: gradient descent takes bigger steps, and can overshoot.
linear-regression?lin_tab=Projection  The geometry: least squares projects y onto the space the features span.
linear-regression?lin_tab=Gradient+descent+on+your+data  Gradient descent on real data: standardise the features and the stable step grows.
""",
    "semi-supervised": """
# title: Semi-supervised learning
semi-supervised?ssl_tab=Classification  Few labels, many unlabelled points: Mean Teacher and FixMatch use the unlabelled ones too.
semi-supervised?ssl_tab=Box+jittering  Box jittering: jitter a pseudo-box and measure how much the teacher's answer varies.
semi-supervised?ssl_tab=STAC  STAC keeps only the teacher's confident pseudo-boxes.
semi-supervised?ssl_tab=Reproduction  The measured results: Soft Teacher against the supervised baseline.
""",
}


def _load() -> dict[str, Lesson]:
    out = {}
    for key, text in _TEXTS.items():
        parsed = parse_lesson_text(text, key=key)
        assert not parsed.errors, (key, parsed.errors)  # a typo in a built-in lesson fails at import (and in tests)
        out[key] = parsed.lesson
    return out


LESSONS: dict[str, Lesson] = _load()
