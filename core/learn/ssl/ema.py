"""The exponential-moving-average teacher of Mean Teacher (Tarvainen & Valpola, 2017).

The teacher is never trained by gradients: after every student step its weights move a little
towards the student's, theta_t <- m * theta_t + (1 - m) * theta_s. A high momentum m (0.999 in
Soft Teacher's configs) makes the teacher an average of many recent students, which is why its
pseudo-labels are steadier than the student's own predictions.
"""
from __future__ import annotations

import copy

import torch
from torch import nn


def make_teacher(student: nn.Module) -> nn.Module:
    """A frozen copy of the student: same weights, no gradients, eval mode."""
    teacher = copy.deepcopy(student)
    for p in teacher.parameters():
        p.requires_grad_(False)
    teacher.eval()
    return teacher


@torch.no_grad()
def ema_update(teacher: nn.Module, student: nn.Module, momentum: float) -> None:
    """theta_t <- m * theta_t + (1 - m) * theta_s, in place, for every parameter.

    Buffers (BatchNorm running statistics, counters) are copied from the student, as the Mean
    Teacher reference code does: averaging an integer counter makes no sense.
    """
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"EMA momentum must be in [0, 1], got {momentum}")
    t_params, s_params = list(teacher.parameters()), [p.detach() for p in student.parameters()]
    if len(t_params) != len(s_params):
        raise ValueError("teacher and student have different parameter lists")
    # one fused call per list instead of two kernel launches per tensor (same arithmetic)
    torch._foreach_mul_(t_params, momentum)
    torch._foreach_add_(t_params, s_params, alpha=1.0 - momentum)
    for tb, sb in zip(teacher.buffers(), student.buffers()):
        tb.copy_(sb)
