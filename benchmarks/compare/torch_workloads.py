#!/usr/bin/python3
"""The performance issue's workloads in PyTorch (Debian's python3-torch, CPU),
with the same model as genattn's: a bidirectional LSTM encoder (H a
direction), bridges tanh(W [h_fwd; h_bwd] + b) to the decoder's h and c, an
LSTMCell decoder with 2H units fed [embedding; previous context], additive
attention v^T tanh(W_h h_j + W_s s_t + b), o_t = tanh(W_c [s_t; z_t] + b_c),
logits W_o o_t + b_o; float32. The decoding workloads also run with
PyTorch's own int8 (`_int8`): dynamic quantization of the LSTM, LSTMCell and
Linear modules (torch.ao.quantization.quantize_dynamic: int8 weights, one
scale per tensor, activations quantized at run time), as OpenNMT-py offers.

    OPENBLAS_NUM_THREADS=N /usr/bin/python3 torch_workloads.py --threads N [--only NAME]

prints one JSON object: each workload's median seconds (and GFLOP/s where it
is a matrix-multiply rate), peak resident set size of a training run in MB.
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Seq2Seq(nn.Module):
    def __init__(self, V=20000, E=128, H=256):
        super().__init__()
        K, S = 2 * H, 2 * H
        self.src_emb = nn.Embedding(V, E, padding_idx=0)
        self.tgt_emb = nn.Embedding(V, E, padding_idx=0)
        self.enc = nn.LSTM(E, H, bidirectional=True)
        self.bridge_h = nn.Linear(K, S)
        self.bridge_c = nn.Linear(K, S)
        self.cell = nn.LSTMCell(E + K, S)
        self.W_h = nn.Linear(K, S, bias=False)
        self.W_s = nn.Linear(S, S)
        self.v = nn.Linear(S, 1, bias=False)
        self.combine = nn.Linear(S + K, S)
        self.out = nn.Linear(S, V)

    def encode(self, src):
        H, (hn, cn) = self.enc(self.src_emb(src))  # Ts, B, K
        h = torch.tanh(self.bridge_h(torch.cat([hn[0], hn[1]], 1)))
        c = torch.tanh(self.bridge_c(torch.cat([cn[0], cn[1]], 1)))
        return H, self.W_h(H), h, c

    def step(self, H, keys, y, h, c, z):
        h, c = self.cell(torch.cat([self.tgt_emb(y), z], 1), (h, c))
        e = self.v(torch.tanh(keys + self.W_s(h).unsqueeze(0))).squeeze(2)  # Ts, B
        a = torch.softmax(e, 0)
        z = (a.unsqueeze(2) * H).sum(0)
        o = torch.tanh(self.combine(torch.cat([h, z], 1)))
        return self.out(o), h, c, z

    def loss(self, src, tin, tout):
        H, keys, h, c = self.encode(src)
        z = torch.zeros(src.shape[1], H.shape[2])
        outs = []
        for t in range(tin.shape[0]):
            o, h, c, z = self.step(H, keys, tin[t], h, c, z)
            outs.append(o)
        logits = torch.stack(outs)
        return F.cross_entropy(logits.reshape(-1, logits.shape[2]), tout.reshape(-1), ignore_index=0)


def batch(B, Ts, Tt, V, seed=1):
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(4, V, (Ts, B), generator=g)
    tgt = torch.randint(4, V, (Tt - 1, B), generator=g)
    tin = torch.cat([torch.full((1, B), 2), tgt])
    tout = torch.cat([tgt, torch.full((1, B), 3)])
    return src, tin, tout


def median_seconds(f, repeat, warmup=2):
    for _ in range(warmup):
        f()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def train_step(repeat):
    model = Seq2Seq()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    src, tin, tout = batch(32, 64, 12, 20000)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model.loss(src, tin, tout)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
    return median_seconds(step, repeat)


def bilstm(B, T, E, H, repeat):
    lstm = nn.LSTM(E, H, bidirectional=True)
    x = torch.randn(T, B, E, requires_grad=True)
    dy = torch.randn(T, B, 2 * H)

    def run():
        y, _ = lstm(x)
        y.backward(dy)
    secs = median_seconds(run, repeat)
    flops = 2 * 3 * 2 * 4 * H * (E + H) * T * B  # 2 directions, forward + backward = 3x
    return secs, flops / secs * 1e-9


def decoding_model(int8):
    model = Seq2Seq().eval()
    if int8:
        model = torch.ao.quantization.quantize_dynamic(model, {nn.LSTM, nn.LSTMCell, nn.Linear}, dtype=torch.qint8)
    return model


@torch.no_grad()
def greedy(B, repeat, int8=False):
    model = decoding_model(int8)
    src, _, _ = batch(B, 64, 2, 20000)

    def run():
        H, keys, h, c = model.encode(src)
        z = torch.zeros(B, H.shape[2])
        y = torch.full((B,), 2)
        for _ in range(12):
            logits, h, c, z = model.step(H, keys, y, h, c, z)
            y = logits.argmax(1)
    return median_seconds(run, repeat)


@torch.no_grad()
def beam(B, K, repeat, int8=False):
    model = decoding_model(int8)
    src, _, _ = batch(B, 64, 2, 20000)
    V = 20000

    def run():
        H, keys, h, c = model.encode(src)
        # every source's memory repeated for its K hypotheses
        H, keys = H.repeat_interleave(K, 1), keys.repeat_interleave(K, 1)
        h, c = h.repeat_interleave(K, 0), c.repeat_interleave(K, 0)
        z = torch.zeros(B * K, H.shape[2])
        y = torch.full((B * K,), 2)
        score = torch.full((B, K), float("-inf"))
        score[:, 0] = 0.0
        for _ in range(12):
            logits, h, c, z = model.step(H, keys, y, h, c, z)
            cand = (score.reshape(-1, 1) + torch.log_softmax(logits, 1)).reshape(B, K * V)
            score, idx = cand.topk(K, 1)
            rows = (idx // V + torch.arange(B).unsqueeze(1) * K).reshape(-1)
            y = (idx % V).reshape(-1)
            h, c, z = h[rows], c[rows], z[rows]
    return median_seconds(run, repeat)


def sgemm(n, repeat):
    a, b = torch.randn(n, n), torch.randn(n, n)
    secs = median_seconds(lambda: torch.mm(a, b), repeat)
    return secs, 2 * n ** 3 / secs * 1e-9


def sgemm_error(n=512):
    """The largest error of an n x n float product against float64, relative
    to the largest entry: a BLAS kernel chosen for the wrong processor shows
    here (or crashes)."""
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(n, n, generator=g), torch.randn(n, n, generator=g)
    exact = torch.mm(a.double(), b.double())
    return float((torch.mm(a, b).double() - exact).abs().max() / exact.abs().max())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    r = args.repeat
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    jobs = {
        "sgemm_2048": lambda: dict(zip(("seconds", "gflops"), sgemm(2048, r))),
        "sgemm_error": lambda: sgemm_error(),
        "train_step": lambda: {"seconds": train_step(max(3, r // 2))},
        "bilstm_32_50_128_256": lambda: dict(zip(("seconds", "gflops"), bilstm(32, 50, 128, 256, r))),
        "bilstm_64_25_512_512": lambda: dict(zip(("seconds", "gflops"), bilstm(64, 25, 512, 512, r))),
        "greedy_32": lambda: {"seconds": greedy(32, r)},
        "greedy_1": lambda: {"seconds": greedy(1, 3 * r)},
        "beam_16": lambda: {"seconds": beam(16, 5, r)},
        "greedy_32_int8": lambda: {"seconds": greedy(32, r, int8=True)},
        "greedy_1_int8": lambda: {"seconds": greedy(1, 3 * r, int8=True)},
        "beam_16_int8": lambda: {"seconds": beam(16, 5, r, int8=True)},
    }
    for name, job in jobs.items():
        if args.only and name != args.only:
            continue
        out[name] = job()
    if args.only == "train_step":  # run alone, so the peak is training's own
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(out))


if __name__ == "__main__":
    main()
