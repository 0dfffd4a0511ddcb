"""The audio-visual highlight network and its single-stream / fusion variants.

Bimodal (the method): per-modality input projection, one self-attention layer per modality,
two cross-attention layers (audio attends to visual, visual attends to audio), then a score
regressor that combines the four streams with learnable weights and two fully-connected
layers. Variants: ``audio`` / ``visual`` (one stream), ``early`` (concatenate, one
self-attention), ``late`` (two self-attention streams, concatenated) and ``large`` (bimodal
with an extra self-attention layer per modality and an extra fully-connected layer).

``context`` > 0 (an odd kernel size, in clips) adds temporal context before attention: each
projected stream passes a residual 1-D convolution over that many neighbouring clips
(padded clips are zeroed first, so they read as the convolution's own zero padding).

``centre`` subtracts each window's mean (real) clip from the visual and audio inputs, so
the network sees only how a clip differs from the rest of its video (what the ridge
reference gains most from). ``category_heads`` = N > 1 gives the regressor N output heads,
one per (pseudo-)category: ``forward`` then takes each video's category index and returns
that head's logits.

Every model maps ``(visual (B,T,dv), audio (B,T,da), mask (B,T) bool, True = real clip)`` to
logits ``(B,T)``; :meth:`HighlightNet.scores` applies the sigmoid. Padded clips never
influence real ones (key padding masks), so batching videos of different lengths does not
change any video's scores.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

VARIANTS = ("bimodal", "audio", "visual", "early", "late", "large")


@dataclass
class ModelConfig:
    """Architecture of a :class:`HighlightNet`."""

    visual_dim: int
    audio_dim: int
    variant: str = "bimodal"
    hidden: int = 128
    heads: int = 4
    dropout: float = 0.1
    context: int = 0  # odd kernel (clips) of a residual 1-D convolution after projection; 0: none
    category_heads: int = 0  # N > 1: one output head per category (forward needs category)
    centre: bool = False  # subtract each window's mean clip from its inputs first

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        return cls(**d)


class AttentionLayer(nn.Module):
    """Multi-head attention (self or cross) with a residual, layer norm and feed-forward."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm1 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(
            nn.Linear(dim, dim * 2), nn.GELU(), nn.Dropout(dropout), nn.Linear(dim * 2, dim)
        )
        self.norm2 = nn.LayerNorm(dim)
        self.drop = nn.Dropout(dropout)

    def forward(
        self, query: torch.Tensor, context: torch.Tensor, pad: torch.Tensor
    ) -> torch.Tensor:
        att, _ = self.attn(query, context, context, key_padding_mask=pad, need_weights=False)
        x = self.norm1(query + self.drop(att))
        return self.norm2(x + self.drop(self.ff(x)))


class Projection(nn.Module):
    def __init__(self, in_dim: int, dim: int, dropout: float) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, dim), nn.LayerNorm(dim), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class Context(nn.Module):
    """``x + GELU(conv1d(x))`` over ``kernel`` neighbouring clips, then a layer norm."""

    def __init__(self, dim: int, kernel: int, dropout: float) -> None:
        super().__init__()
        self.conv = nn.Conv1d(dim, dim, kernel, padding=kernel // 2)
        self.norm = nn.LayerNorm(dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = x * mask[..., None]
        y = self.conv(x.transpose(1, 2)).transpose(1, 2)
        return self.norm(x + self.drop(nn.functional.gelu(y)))


class Regressor(nn.Module):
    """Learnable weighted sum of the streams, then fully-connected layers to one logit."""

    def __init__(
        self, n_streams: int, dim: int, dropout: float, extra_layer: bool, heads: int = 1
    ) -> None:
        super().__init__()
        self.heads = heads
        self.weights = nn.Parameter(torch.zeros(n_streams))
        layers: list[nn.Module] = [nn.Linear(dim, dim), nn.ReLU(), nn.Dropout(dropout)]
        if extra_layer:
            layers += [nn.Linear(dim, dim // 2), nn.ReLU(), nn.Dropout(dropout)]
            dim = dim // 2
        layers.append(nn.Linear(dim, heads))
        self.fc = nn.Sequential(*layers)

    def forward(
        self, streams: list[torch.Tensor], category: torch.Tensor | None = None
    ) -> torch.Tensor:
        w = torch.softmax(self.weights, dim=0)
        x = sum(wi * s for wi, s in zip(w, streams, strict=True))
        out = self.fc(x)
        if self.heads == 1:
            return out.squeeze(-1)
        if category is None:
            raise ValueError(f"a model with {self.heads} category heads needs each category")
        idx = category.long().view(-1, 1, 1).expand(-1, out.shape[1], 1)
        return out.gather(-1, idx).squeeze(-1)


def _centred(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``x`` minus the mean of each row's real clips; padded clips become zeros."""
    m = mask[..., None].to(x.dtype)
    mean = (x * m).sum(1, keepdim=True) / m.sum(1, keepdim=True).clamp(min=1.0)
    return (x - mean) * m


class HighlightNet(nn.Module):
    """All variants behind one forward signature (see the module docstring)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        if cfg.variant not in VARIANTS:
            raise ValueError(f"unknown variant {cfg.variant!r}; valid: {', '.join(VARIANTS)}")
        self.cfg = cfg
        d, h, p = cfg.hidden, cfg.heads, cfg.dropout
        var = cfg.variant
        if cfg.context < 0 or (cfg.context and cfg.context % 2 == 0):
            raise ValueError(f"context must be 0 or an odd kernel size, got {cfg.context}")
        if cfg.category_heads < 0 or cfg.category_heads == 1:
            raise ValueError(f"category_heads must be 0 or at least 2, got {cfg.category_heads}")
        n_ctx = 0 if not cfg.context else (1 if var in ("early", "audio", "visual") else 2)
        self.ctx = nn.ModuleList([Context(d, cfg.context, p) for _ in range(n_ctx)])
        self.uses_visual = var != "audio"
        self.uses_audio = var != "visual"
        if self.uses_visual and var != "early":
            self.proj_v = Projection(cfg.visual_dim, d, p)
        if self.uses_audio and var != "early":
            self.proj_a = Projection(cfg.audio_dim, d, p)
        n_sa = 2 if var == "large" else 1
        nh = max(1, cfg.category_heads)
        if var == "early":
            self.proj_av = Projection(cfg.visual_dim + cfg.audio_dim, d, p)
            self.sa_av = nn.ModuleList([AttentionLayer(d, h, p)])
            self.regressor = Regressor(1, d, p, extra_layer=False, heads=nh)
        elif var in ("audio", "visual"):
            self.sa = nn.ModuleList([AttentionLayer(d, h, p)])
            self.regressor = Regressor(1, d, p, extra_layer=False, heads=nh)
        elif var == "late":
            self.sa_v = nn.ModuleList([AttentionLayer(d, h, p)])
            self.sa_a = nn.ModuleList([AttentionLayer(d, h, p)])
            self.fuse = nn.Linear(2 * d, d)
            self.regressor = Regressor(1, d, p, extra_layer=False, heads=nh)
        else:  # bimodal, large
            self.sa_v = nn.ModuleList([AttentionLayer(d, h, p) for _ in range(n_sa)])
            self.sa_a = nn.ModuleList([AttentionLayer(d, h, p) for _ in range(n_sa)])
            self.ca_av = AttentionLayer(d, h, p)  # audio queries attend to visual
            self.ca_va = AttentionLayer(d, h, p)  # visual queries attend to audio
            self.regressor = Regressor(4, d, p, extra_layer=var == "large", heads=nh)

    @staticmethod
    def _self(layers: nn.ModuleList, x: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
        for layer in layers:
            x = layer(x, x, pad)
        return x

    def _ctx(self, i: int, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.ctx[i](x, mask) if len(self.ctx) else x

    def forward(
        self,
        visual: torch.Tensor,
        audio: torch.Tensor,
        mask: torch.Tensor,
        category: torch.Tensor | None = None,
    ) -> torch.Tensor:
        if self.cfg.centre:
            visual, audio = _centred(visual, mask), _centred(audio, mask)
        return self.regressor(self._streams(visual, audio, mask), category)

    def _streams(
        self, visual: torch.Tensor, audio: torch.Tensor, mask: torch.Tensor
    ) -> list[torch.Tensor]:
        pad = ~mask
        var = self.cfg.variant
        if var == "early":
            x = self._ctx(0, self.proj_av(torch.cat([visual, audio], -1)), mask)
            return [self._self(self.sa_av, x, pad)]
        if var == "visual":
            return [self._self(self.sa, self._ctx(0, self.proj_v(visual), mask), pad)]
        if var == "audio":
            return [self._self(self.sa, self._ctx(0, self.proj_a(audio), mask), pad)]
        v = self._self(self.sa_v, self._ctx(0, self.proj_v(visual), mask), pad)
        a = self._self(self.sa_a, self._ctx(1, self.proj_a(audio), mask), pad)
        if var == "late":
            return [self.fuse(torch.cat([v, a], -1))]
        return [a, v, self.ca_av(a, v, pad), self.ca_va(v, a, pad)]

    @torch.inference_mode()
    def scores(
        self,
        visual: torch.Tensor,
        audio: torch.Tensor,
        mask: torch.Tensor,
        category: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Clip scores in [0, 1] (eval mode is the caller's business)."""
        return torch.sigmoid(self.forward(visual, audio, mask, category))


def build_model(cfg: ModelConfig) -> HighlightNet:
    """Build a randomly initialised network for ``cfg``."""
    return HighlightNet(cfg)
