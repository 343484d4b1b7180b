#!/usr/bin/python3
"""The PyTorch peers of bench/bench_models.cpp: the six models of the model-step benchmark,
built parameter for parameter as bench_models.cpp builds ours (same layers, sizes,
registration order and parameter names), each with its fixed random batch and its loss.

    /usr/bin/python3 bench/torch_models.py [model ...]    prints 'model parameters' lines

Imported by bench/torch_models_clocks.py, which times their training steps. Shape letters
as in bench_models.cpp: B batch, S source length, T target length, V vocabulary,
E embedding, H hidden, C channels, A attention size, N = H W positions.

    seq2seq_bottleneck    Embedding(32, 64) -> LSTM(64, 128); decoder LSTMCell(64, 128) from
                          the encoder's last (h, c); Linear(128, 32); cross entropy;
                          B 64, S 24, T 24
    seq2seq_attention     the same, plus additive attention v^T tanh(W h + U enc) (A 128):
                          decoder input [emb; context], output Linear([h; context] 256, 32)
    captioner_attention   CNN 3 x (Conv3x3 pad 1, ReLU, MaxPool2), channels 3-32-64-128, on
                          64x64 images -> 8x8 grid of 128; h0, c0 = tanh(Linear(mean
                          feature)); additive attention (128) over the 64 regions;
                          LSTMCell(64 + 128, 256); Linear(256, 40); B 32, T 12
    captioner_sat         the captioning tutorial's models::Captioner (Show, Attend and Tell) at
                          captioner_attention's sizes: Conv3x3 without bias, BatchNorm2d,
                          ReLU, MaxPool2 per block; the gate beta = sigmoid(f_beta(h));
                          LSTMCell(64 + 128, 256) on [emb; beta z]; Linear([h; beta z]
                          384, 40); cross entropy (ignoring <pad> = 0) plus lambda sum_i
                          (1 - sum_t alpha_ti)^2 / B with lambda 1; words in [4, 40)
    self_attention_block  Embedding(32, 128), one Transformer encoder layer (4 heads,
                          feed-forward 512, post-norm, no dropout), Linear(128, 32); B 32,
                          T 64
    sagan_2d              Conv3x3(3, 64) + ReLU; SAGAN self-attention over the 32x32 map
                          (f, g: 1x1 conv to 8 channels, h: 1x1 conv to 64, softmax over
                          positions, gamma o + x); Conv3x3(64, 3); MSE; B 16, 3x32x32
    sagan_step            one training step of models/sagan.h's GAN with attention (SaganG,
                          SaganD below: z 64, c 16, 28x28 images): a D step on 64 real and
                          64 fake images (hinge loss), then a G step (D frozen), each with its
                          own Adam (betas 0, 0.9; lr 4e-4 for D, 1e-4 for G); B 64
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


def random_ids(rows, cols, V):
    """Token ids [rows, cols], uniform in [0, V)."""
    return torch.randint(0, V, (rows, cols))


class BenchModel(nn.Module):
    """What every benchmark model offers: loss(), its loss on its fixed batch (each model
    below defines it), and its parameters."""


class AdditiveAttention(nn.Module):
    """e_j = v^T tanh(W s + U h_j), a = softmax_j(e), context = sum_j a_j h_j.
    W has no bias (U's serves both), as attnlab's nn::AdditiveAttention."""

    def __init__(self, query_dim, key_dim, A):
        super().__init__()
        self.W = nn.Linear(query_dim, A, bias=False)
        self.U = nn.Linear(key_dim, A)
        self.v = nn.Linear(A, 1, bias=False)

    def project_keys(self, keys):  # [B, S, D_k] -> U h + b_U [B, S, A], once per sequence
        return self.U(keys)

    def forward(self, s, keys, Uh):  # s [B, D_q], keys [B, S, D_k] -> context [B, D_k]
        e = self.v(torch.tanh(self.W(s).unsqueeze(1) + Uh)).squeeze(-1)  # [B, S]
        a = torch.softmax(e, dim=1)
        return torch.bmm(a.unsqueeze(1), keys).squeeze(1)


class Seq2Seq(BenchModel):
    V, E, H, B, S, T = 32, 64, 128, 64, 24, 24

    def __init__(self, attention):
        super().__init__()
        V, E, H = self.V, self.E, self.H
        self.attention = attention
        self.src_emb = nn.Embedding(V, E)
        self.tgt_emb = nn.Embedding(V, E)
        self.enc = nn.LSTM(E, H, batch_first=True)
        self.dec = nn.LSTMCell(E + (H if attention else 0), H)
        if attention:
            self.att = AdditiveAttention(H, H, H)
        self.out = nn.Linear(H + (H if attention else 0), V)
        self.src = random_ids(self.B, self.S, V)
        self.tgt_in = random_ids(self.B, self.T, V)
        self.tgt_out = random_ids(self.B, self.T, V)

    def loss(self):
        enc_out, (h, c) = self.enc(self.src_emb(self.src))  # [B, S, H], ([1, B, H] x 2)
        h, c = h[0], c[0]
        Uh = self.att.project_keys(enc_out) if self.attention else None
        logits = []
        for t in range(self.T):
            x = self.tgt_emb(self.tgt_in[:, t])  # [B, E]
            if self.attention:
                ctx = self.att(h, enc_out, Uh)  # [B, H], from the previous state
                h, c = self.dec(torch.cat([x, ctx], 1), (h, c))
                o = torch.cat([h, ctx], 1)
            else:
                h, c = self.dec(x, (h, c))
                o = h
            logits.append(self.out(o))  # [B, V]
        logits = torch.stack(logits, 1)  # [B, T, V]
        return F.cross_entropy(logits.reshape(-1, self.V), self.tgt_out.reshape(-1))


class Captioner(BenchModel):
    V, E, C, H, A, B, T = 40, 64, 128, 256, 128, 32, 12

    def __init__(self):
        super().__init__()
        layers = []
        for cin, cout in ((3, 32), (32, 64), (64, 128)):
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        self.cnn = nn.Sequential(*layers)  # cnn.0, cnn.3, cnn.6
        self.emb = nn.Embedding(self.V, self.E)
        self.init_h = nn.Linear(self.C, self.H)
        self.init_c = nn.Linear(self.C, self.H)
        self.att = AdditiveAttention(self.H, self.C, self.A)
        self.dec = nn.LSTMCell(self.E + self.C, self.H)
        self.out = nn.Linear(self.H, self.V)
        self.img = torch.rand(self.B, 3, 64, 64)
        self.cap_in = random_ids(self.B, self.T, self.V)
        self.cap_out = random_ids(self.B, self.T, self.V)

    def loss(self):
        f = self.cnn(self.img)  # [B, C, 8, 8]
        feats = f.flatten(2).transpose(1, 2)  # [B, 64, C]
        m = feats.mean(1)  # [B, C]
        h, c = torch.tanh(self.init_h(m)), torch.tanh(self.init_c(m))
        Uh = self.att.project_keys(feats)  # [B, 64, A]
        logits = []
        for t in range(self.T):
            ctx = self.att(h, feats, Uh)  # [B, C]
            h, c = self.dec(torch.cat([self.emb(self.cap_in[:, t]), ctx], 1), (h, c))
            logits.append(self.out(h))
        logits = torch.stack(logits, 1)
        return F.cross_entropy(logits.reshape(-1, self.V), self.cap_out.reshape(-1))


class CaptionerSat(BenchModel):
    V, E, C, H, A, B, T = 40, 64, 128, 256, 128, 32, 12
    PAD, SPECIALS = 0, 4  # attnlab's <pad> id and its count of special tokens

    def __init__(self):
        super().__init__()
        layers, cin = [], 3
        for cout in (32, 64, 128):
            layers += [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                       nn.ReLU(), nn.MaxPool2d(2)]
            cin = cout
        self.cnn = nn.Sequential(*layers)
        self.embedding = nn.Embedding(self.V, self.E, padding_idx=self.PAD)
        self.decoder = nn.LSTMCell(self.E + self.C, self.H)
        self.out = nn.Linear(self.H + self.C, self.V)
        self.attention = AdditiveAttention(self.H, self.C, self.A)
        self.init_h = nn.Linear(self.C, self.H)
        self.init_c = nn.Linear(self.C, self.H)
        self.f_beta = nn.Linear(self.H, 1)
        self.img = torch.rand(self.B, 3, 64, 64)
        words = torch.randint(self.SPECIALS, self.V, (self.B, self.T - 1))
        self.cap_in = torch.cat([torch.ones(self.B, 1, dtype=torch.long), words], 1)  # <bos> = 1
        self.cap_out = torch.cat([words, torch.full((self.B, 1), 2)], 1)  # <eos> = 2

    def loss(self):
        a = self.cnn(self.img).flatten(2).transpose(1, 2)  # [B, L, C]
        m = a.mean(1)
        h, c = torch.tanh(self.init_h(m)), torch.tanh(self.init_c(m))
        Ua = self.attention.project_keys(a)  # [B, L, A]
        logits, alphas = [], []
        for t in range(self.T):
            e = self.attention.W(h).unsqueeze(1) + Ua
            alpha = torch.softmax(self.attention.v(torch.tanh(e)).squeeze(-1), dim=1)  # [B, L]
            z = torch.sigmoid(self.f_beta(h)) * torch.bmm(alpha.unsqueeze(1), a).squeeze(1)
            h, c = self.decoder(torch.cat([self.embedding(self.cap_in[:, t]), z], 1), (h, c))
            logits.append(self.out(torch.cat([h, z], 1)))
            alphas.append(alpha)
        logits = torch.stack(logits, 1)
        ce = F.cross_entropy(logits.reshape(-1, self.V), self.cap_out.reshape(-1),
                             ignore_index=self.PAD)
        received = torch.stack(alphas, 1).sum(1)  # [B, L]: every step is a real word here
        return ce + ((1 - received) ** 2).sum() / self.B


class SelfAttentionBlock(BenchModel):
    V, D, B, T = 32, 128, 32, 64

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(self.V, self.D)
        self.layer = nn.TransformerEncoderLayer(self.D, 4, dim_feedforward=512, dropout=0.0,
                                                batch_first=True)  # post-norm, ReLU
        self.out = nn.Linear(self.D, self.V)
        self.x = random_ids(self.B, self.T, self.V)
        self.y = random_ids(self.B, self.T, self.V)

    def loss(self):
        logits = self.out(self.layer(self.emb(self.x)))  # [B, T, V]
        return F.cross_entropy(logits.reshape(-1, self.V), self.y.reshape(-1))


class SelfAttention2d(nn.Module):
    """SAGAN (Zhang et al. 2018): s_ij = f(x_i)^T g(x_j), beta = softmax over i, o_j =
    sum_i beta_ij h(x_i), y = gamma o + x, gamma starting at 0."""

    def __init__(self, C, reduction=8):
        super().__init__()
        self.f = nn.Conv2d(C, C // reduction, 1)
        self.g = nn.Conv2d(C, C // reduction, 1)
        self.h = nn.Conv2d(C, C, 1)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):  # [B, C, H, W]
        B, C, H, W = x.shape
        f, g, h = self.f(x).flatten(2), self.g(x).flatten(2), self.h(x).flatten(2)  # [B, ., N]
        beta = torch.softmax(torch.bmm(f.transpose(1, 2), g), dim=1)  # [B, N_i, N_j]
        o = torch.bmm(h, beta).view(B, C, H, W)  # o_j = sum_i h_i beta_ij
        return self.gamma * o + x


def SN(module):
    """Spectral norm as models/sagan.h puts it on every layer: weight_orig, weight_u,
    weight_v, one power iteration per forward in training."""
    return nn.utils.spectral_norm(module)


class SaganG(nn.Module):
    """models::Generator (models/sagan.h), parameter for parameter: z [B, z_dim] -> fc
    [B, 4c, s, s] -> bn0, ReLU, up x2, conv1 [B, 2c, 2s, 2s] -> attention -> bn1, ReLU, up x2,
    conv2 [B, c, 4s, 4s] -> bn2, ReLU, conv3, tanh [B, C_img, 4s, 4s]. No bias before a
    batch norm (its mean would take it away)."""

    def __init__(self, z_dim=64, c=16, s=7, image_channels=1, attention=True, reduction=8):
        super().__init__()
        self.c, self.s = c, s
        self.fc = SN(nn.Linear(z_dim, 4 * c * s * s, bias=False))
        self.bn0 = nn.BatchNorm2d(4 * c)
        self.conv1 = SN(nn.Conv2d(4 * c, 2 * c, 3, padding=1, bias=False))
        self.attention = SelfAttention2d(2 * c, reduction) if attention else None
        self.bn1 = nn.BatchNorm2d(2 * c)
        self.conv2 = SN(nn.Conv2d(2 * c, c, 3, padding=1, bias=False))
        self.bn2 = nn.BatchNorm2d(c)
        self.conv3 = SN(nn.Conv2d(c, image_channels, 3, padding=1))

    def forward(self, z):
        h = self.fc(z).view(-1, 4 * self.c, self.s, self.s)
        h = self.conv1(F.interpolate(torch.relu(self.bn0(h)), scale_factor=2, mode="nearest"))
        if self.attention is not None:
            h = self.attention(h)
        h = self.conv2(F.interpolate(torch.relu(self.bn1(h)), scale_factor=2, mode="nearest"))
        return torch.tanh(self.conv3(torch.relu(self.bn2(h))))


class SaganD(nn.Module):
    """models::Discriminator (models/sagan.h): conv0 3x3 [B, c, S, S], conv1 4x4 stride 2
    [B, c, S/2, S/2], attention, conv2 4x4 stride 2 [B, 2c, S/4, S/4], conv3 3x3 [B, 4c, S/4,
    S/4], each followed by LeakyReLU(0.1); the sum over positions, fc -> score [B]."""

    def __init__(self, c=16, image_channels=1, attention=True, reduction=8, slope=0.1):
        super().__init__()
        self.slope = slope
        self.conv0 = SN(nn.Conv2d(image_channels, c, 3, padding=1))
        self.conv1 = SN(nn.Conv2d(c, c, 4, stride=2, padding=1))
        self.attention = SelfAttention2d(c, reduction) if attention else None
        self.conv2 = SN(nn.Conv2d(c, 2 * c, 4, stride=2, padding=1))
        self.conv3 = SN(nn.Conv2d(2 * c, 4 * c, 3, padding=1))
        self.fc = SN(nn.Linear(4 * c, 1))

    def forward(self, x):
        h = F.leaky_relu(self.conv0(x), self.slope)
        h = F.leaky_relu(self.conv1(h), self.slope)
        if self.attention is not None:
            h = self.attention(h)
        h = F.leaky_relu(self.conv2(h), self.slope)
        h = F.leaky_relu(self.conv3(h), self.slope)
        return self.fc(h.sum((2, 3))).view(-1)


def gan_step(G, D, opt_g, opt_d, x, z, z_prime):
    """One step of train/gan/gan_trainer.h: a D step on [x; G(z)] (G without a graph), the
    hinge loss, Adam on D; then a G step on -mean D(G(z')) with D frozen, Adam on G.
    Returns (L_D, L_G, mean D(x), mean D(G(z)))."""
    B = x.shape[0]
    opt_d.zero_grad(set_to_none=True)
    with torch.no_grad():
        fake = G(z)
    s = D(torch.cat([x, fake]))
    s_real, s_fake = s[:B], s[B:]
    d_loss = torch.relu(1 - s_real).mean() + torch.relu(1 + s_fake).mean()
    d_loss.backward()
    opt_d.step()
    opt_g.zero_grad(set_to_none=True)
    for p in D.parameters():
        p.requires_grad_(False)
    g_loss = -D(G(z_prime)).mean()
    g_loss.backward()
    for p in D.parameters():
        p.requires_grad_(True)
    opt_g.step()
    return d_loss.item(), g_loss.item(), s_real.mean().item(), s_fake.mean().item()


class SaganStep(BenchModel):
    """sagan_step: G then D registered (as bench_models.cpp), real images in [-1, 1)."""
    B, Z = 64, 64

    def __init__(self):
        super().__init__()
        self.G = SaganG(z_dim=self.Z, c=16)
        self.D = SaganD(c=16)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=1e-4, betas=(0.0, 0.9))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=4e-4, betas=(0.0, 0.9))
        self.x = torch.rand(self.B, 1, 28, 28) * 2 - 1
        self.z = torch.randn(self.B, self.Z)
        self.z_prime = torch.randn(self.B, self.Z)

    def train_step(self):
        """The whole step, with the model's own two optimisers (torch_models_clocks.py
        calls this instead of loss() + one Adam)."""
        gan_step(self.G, self.D, self.opt_g, self.opt_d, self.x, self.z, self.z_prime)


class Sagan2d(BenchModel):
    C, B, HW = 64, 16, 32

    def __init__(self):
        super().__init__()
        self.sa = SelfAttention2d(self.C)  # first, as bench_models.cpp registers it
        self.conv = nn.Conv2d(3, self.C, 3, padding=1)
        self.head = nn.Conv2d(self.C, 3, 3, padding=1)
        self.x = torch.rand(self.B, 3, self.HW, self.HW)
        self.target = torch.rand(self.B, 3, self.HW, self.HW)

    def loss(self):
        return F.mse_loss(self.head(self.sa(torch.relu(self.conv(self.x)))), self.target)


MODELS = {
    "seq2seq_bottleneck": lambda: Seq2Seq(attention=False),
    "seq2seq_attention": lambda: Seq2Seq(attention=True),
    "captioner_attention": Captioner,
    "captioner_sat": CaptionerSat,
    "self_attention_block": SelfAttentionBlock,
    "sagan_2d": Sagan2d,
    "sagan_step": SaganStep,
}


def make_model(name):
    """The model `name`, built from seed 0 (as bench_models seeds each model)."""
    if name not in MODELS:
        sys.exit("torch_models: unknown model '%s'; known: %s" % (name, " ".join(MODELS)))
    torch.manual_seed(0)
    return MODELS[name]()


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


if __name__ == "__main__":
    for name in sys.argv[1:] or MODELS:
        print(name, parameter_count(make_model(name)), flush=True)
