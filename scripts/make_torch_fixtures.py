#!/usr/bin/python3
"""Writes the PyTorch reference fixtures that genattn's C++ tests read.

Run with Debian's Python and python3-torch (not a pyenv python):

    /usr/bin/python3 scripts/make_torch_fixtures.py

Everything runs in float64 from fixed seeds, so the output is reproducible
(up to the last digit or two: torch's BLAS sums in its own order, and the
committed files were written when Debian's torch ran on the reference BLAS;
OpenBLAS gives values that differ by about 1e-16, far inside the tests'
1e-10).
Matrices are written in genattn's layout: column-major, one column per
(time step x batch item) with column t*B + b, LSTM gates [i f g o], one bias
b = b_ih + b_hh. File format (text): lines `name rows cols` followed by the
rows*cols values in column-major order, 17 significant digits; `#` comments.
"""
import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures")


class Writer:
    def __init__(self, path, header):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.f = open(path, "w")
        self.f.write("# written by scripts/make_torch_fixtures.py with torch %s\n" % torch.__version__)
        for line in header.strip().splitlines():
            self.f.write("# " + line + "\n")

    def mat(self, name, m):
        """m: 2-D tensor in genattn's orientation (rows x cols)."""
        m = m.detach().to(torch.float64)
        if m.dim() == 1:
            m = m.reshape(-1, 1)
        rows, cols = m.shape
        self.f.write("%s %d %d\n" % (name, rows, cols))
        vals = m.t().reshape(-1).tolist()  # column-major
        for i in range(0, len(vals), 6):
            self.f.write(" ".join("%.17g" % v for v in vals[i:i + 6]) + "\n")

    def close(self):
        self.f.close()


def seq_to_cols(t):
    """(T, B, F) padded sequence tensor -> F x (T*B), column t*B + b."""
    T, B, F = t.shape
    return t.reshape(T * B, F).t()


def lstm_fixture():
    torch.manual_seed(1234)
    In, H, L, T = 5, 4, 2, 6
    lengths = [4, 6, 1]  # unsorted: packed with enforce_sorted=False
    B = len(lengths)
    lstm = torch.nn.LSTM(In, H, num_layers=L, bidirectional=True).double()
    x = torch.randn(T, B, In, dtype=torch.float64)
    for b, n in enumerate(lengths):
        x[n:, b] = 0.0  # padding holds zeros, as genattn's embedding gives
    x.requires_grad_(True)
    h0 = torch.randn(L * 2, B, H, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(L * 2, B, H, dtype=torch.float64, requires_grad=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
    out_packed, (hn, cn) = lstm(packed, (h0, c0))
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out_packed, total_length=T)
    r_out = torch.randn(T, B, 2 * H, dtype=torch.float64)
    r_h = torch.randn(L * 2, B, H, dtype=torch.float64)
    r_c = torch.randn(L * 2, B, H, dtype=torch.float64)
    loss = (r_out * out).sum() + (r_h * hn).sum() + (r_c * cn).sum()
    loss.backward()

    w = Writer(os.path.join(OUT, "rnn", "lstm_torch.txt"), """
torch.nn.LSTM(input=5, hidden=4, num_layers=2, bidirectional=True), float64,
on a packed batch of lengths 4 6 1 (T = 6), with initial states.
loss = sum(dy .* y) + sum(dh_n .* h_n) + sum(dc_n .* c_n).
States are indexed k = layer*2 + direction (0 forward, 1 reverse).""")
    w.mat("lengths", torch.tensor(lengths, dtype=torch.float64))
    w.mat("x", seq_to_cols(x))
    for l in range(L):
        for d, suffix in enumerate(["", "_reverse"]):
            name = "l%d.%s" % (l, "bwd" if d else "fwd")
            W_ih = getattr(lstm, "weight_ih_l%d%s" % (l, suffix))
            W_hh = getattr(lstm, "weight_hh_l%d%s" % (l, suffix))
            b_ih = getattr(lstm, "bias_ih_l%d%s" % (l, suffix))
            b_hh = getattr(lstm, "bias_hh_l%d%s" % (l, suffix))
            assert torch.allclose(b_ih.grad, b_hh.grad, rtol=1e-13, atol=1e-13)
            w.mat(name + ".W_x", W_ih)
            w.mat(name + ".W_h", W_hh)
            w.mat(name + ".b", b_ih + b_hh)
            w.mat("grad." + name + ".W_x", W_ih.grad)
            w.mat("grad." + name + ".W_h", W_hh.grad)
            w.mat("grad." + name + ".b", b_ih.grad)
    for k in range(2 * L):
        w.mat("h0.%d" % k, h0[k].t())
        w.mat("c0.%d" % k, c0[k].t())
        w.mat("dh_n.%d" % k, r_h[k].t())
        w.mat("dc_n.%d" % k, r_c[k].t())
        w.mat("h_n.%d" % k, hn[k].t())
        w.mat("c_n.%d" % k, cn[k].t())
        w.mat("grad.h0.%d" % k, h0.grad[k].t())
        w.mat("grad.c0.%d" % k, c0.grad[k].t())
    w.mat("dy", seq_to_cols(r_out))
    w.mat("y", seq_to_cols(out))
    w.mat("grad.x", seq_to_cols(x.grad))
    w.mat("loss", loss.reshape(1))
    w.close()


def lstm_cell_fixture():
    torch.manual_seed(99)
    In, H, B = 3, 5, 2
    cell = torch.nn.LSTMCell(In, H).double()
    x = torch.randn(B, In, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(B, H, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(B, H, dtype=torch.float64, requires_grad=True)
    h, c = cell(x, (h0, c0))
    r_h = torch.randn(B, H, dtype=torch.float64)
    r_c = torch.randn(B, H, dtype=torch.float64)
    ((r_h * h).sum() + (r_c * c).sum()).backward()
    w = Writer(os.path.join(OUT, "rnn", "lstm_cell_torch.txt"), """
torch.nn.LSTMCell(input=3, hidden=5), float64, batch 2, one step.
loss = sum(dh .* h) + sum(dc .* c).""")
    w.mat("W_x", cell.weight_ih)
    w.mat("W_h", cell.weight_hh)
    w.mat("b", cell.bias_ih + cell.bias_hh)
    for name, t in [("x", x), ("h0", h0), ("c0", c0)]:
        w.mat(name, t.t())
        w.mat("grad." + name, t.grad.t())
    w.mat("h", h.t())
    w.mat("c", c.t())
    w.mat("dh", r_h.t())
    w.mat("dc", r_c.t())
    w.mat("grad.W_x", cell.weight_ih.grad)
    w.mat("grad.W_h", cell.weight_hh.grad)
    w.mat("grad.b", cell.bias_ih.grad)
    w.close()


def seq2seq_fixture(kind, pointer=False):
    """The whole Seq2Seq loss and every gradient (seq2seq/seq2seq.hpp).

    pointer=True: the pointer-generator with coverage (See et al. 2017): the
    final distribution P(w) = p_gen P_vocab(w) + (1 - p_gen) sum_{j: x_j = w} a_j
    over the extended vocabulary, coverage c_t = sum_{t'<t} a_t' in the score
    and the coverage loss sum_j min(a_tj, c_tj) with weight 0.7.
    """
    torch.manual_seed({"additive": 7, "dot": 8, "general": 9}[kind] + (100 if pointer else 0))
    dt = torch.float64
    Vs, Vt, E, Hs, Le, S, Ld, A = 11, 9, 4, 3, 2, 6, 2, 5
    pad, unk, bos, eos = 0, 1, 2, 3
    eps, lam = (0.0, 0.0) if pointer else (0.1, 0.05)
    cov_weight = 0.7
    sources = [[4, 5, 6, 7], [8, 9], [10, 4, 5]]
    targets = [[5, 6], [7, 8, 4, 5], []]
    if pointer:
        # the same positions in the target's extended vocabulary: ids >= Vt are
        # each source's own out-of-vocabulary words (9 = its first, 10 = its second)
        sources_ext = [[5, 9, 6, 9], [9, 10], [4, 5, 5]]
        # copied words, words both generated and copied, and a word (10 in the
        # third item) that neither the vocabulary nor its source holds: <unk>
        targets = [[9, 6], [10, 8, 4, 9], [5, 10]]
    B = len(sources)
    Ts = max(len(x) for x in sources)
    Tt = max(len(y) for y in targets) + 1
    src = torch.full((Ts, B), pad, dtype=torch.long)
    src_ext = torch.full((Ts, B), pad, dtype=torch.long)
    tin = torch.full((Tt, B), pad, dtype=torch.long)
    tout = torch.full((Tt, B), pad, dtype=torch.long)
    for b, (x, y) in enumerate(zip(sources, targets)):
        src[:len(x), b] = torch.tensor(x)
        if pointer:
            src_ext[:len(x), b] = torch.tensor(sources_ext[b])
        tin[0, b] = bos
        for j, w in enumerate(y):
            tin[j + 1, b] = w if w < Vt else unk  # the decoder reads copied words as <unk>
            out_w = w
            if pointer and w >= Vt and w not in sources_ext[b]:
                out_w = unk
            tout[j, b] = out_w
        tout[len(y), b] = eos
    src_len = [len(x) for x in sources]
    K = 2 * Hs
    if kind == "dot":
        S = K  # dot attention needs the query size to equal the memory size
    src_emb = torch.nn.Embedding(Vs, E, padding_idx=pad).double()
    tgt_emb = torch.nn.Embedding(Vt, E, padding_idx=pad).double()
    enc = torch.nn.LSTM(E, Hs, num_layers=Le, bidirectional=True).double()
    bridge_h = [torch.nn.Linear(K, S).double() for _ in range(Ld)]
    bridge_c = [torch.nn.Linear(K, S).double() for _ in range(Ld)]
    cells = [torch.nn.LSTMCell(E + K if l == 0 else S, S).double() for l in range(Ld)]
    combine = torch.nn.Linear(S + K, S).double()
    out = torch.nn.Linear(S, Vt).double()
    att = {}
    if kind == "additive":
        att["W_h"] = torch.randn(A, K, dtype=dt) * 0.5
        att["W_s"] = torch.randn(A, S, dtype=dt) * 0.5
        att["b"] = torch.randn(A, dtype=dt) * 0.5
        att["v"] = torch.randn(A, 1, dtype=dt) * 0.5
        if pointer:
            att["w_c"] = torch.randn(A, 1, dtype=dt) * 0.5
    elif kind == "general":
        att["W_a"] = torch.randn(S, K, dtype=dt) * 0.5
    for t in att.values():
        t.requires_grad_(True)
    gate = {}
    if pointer:
        gate["w_s"] = torch.randn(S, 1, dtype=dt) * 0.5
        gate["w_z"] = torch.randn(K, 1, dtype=dt) * 0.5
        gate["w_x"] = torch.randn(E + K, 1, dtype=dt) * 0.5
        gate["b"] = torch.randn(1, 1, dtype=dt) * 0.5
    for t in gate.values():
        t.requires_grad_(True)

    packed = torch.nn.utils.rnn.pack_padded_sequence(src_emb(src), torch.tensor(src_len), enforce_sorted=False)
    hp, (hn, cn) = enc(packed)
    H, _ = torch.nn.utils.rnn.pad_packed_sequence(hp, total_length=Ts)  # Ts, B, K
    top = 2 * (Le - 1)
    h_in = torch.cat([hn[top], hn[top + 1]], dim=1)
    c_in = torch.cat([cn[top], cn[top + 1]], dim=1)
    hs = [torch.tanh(bridge_h[l](h_in)) for l in range(Ld)]
    cs = [torch.tanh(bridge_c[l](c_in)) for l in range(Ld)]
    mask = torch.zeros(Ts, B, dtype=torch.bool)
    for b, n in enumerate(src_len):
        mask[n:, b] = True
    if kind == "additive":
        keys = H @ att["W_h"].t()
    elif kind == "general":
        keys = H @ att["W_a"].t()
    else:
        keys = H
    z = torch.zeros(B, K, dtype=dt)
    cov = torch.zeros(Ts, B, dtype=dt)
    X = 2  # extended ids above the vocabulary in this batch
    logits, step_losses, cov_losses = [], [], []
    Y = tgt_emb(tin)
    for t in range(Tt):
        x = torch.cat([Y[t], z], dim=1)
        for l in range(Ld):
            hs[l], cs[l] = cells[l](x if l == 0 else hs[l - 1], (hs[l], cs[l]))
        s = hs[-1]
        if kind == "additive":
            q = s @ att["W_s"].t() + att["b"]
            pre = keys + q.unsqueeze(0)
            if pointer:
                pre = pre + cov.unsqueeze(2) * att["w_c"].reshape(1, 1, A)
            e = (torch.tanh(pre) @ att["v"]).squeeze(2)  # Ts, B
        else:
            e = (keys * s.unsqueeze(0)).sum(2)
        e = e.masked_fill(mask, float("-inf"))
        a = torch.softmax(e, dim=0)
        z = (a.unsqueeze(2) * H).sum(0)
        o = torch.tanh(combine(torch.cat([s, z], dim=1)))
        logits.append(out(o))
        if pointer:
            p_gen = torch.sigmoid(s @ gate["w_s"] + z @ gate["w_z"] + x @ gate["w_x"] + gate["b"])  # B, 1
            P = torch.cat([p_gen * torch.softmax(logits[-1], dim=1), torch.zeros(B, X, dtype=dt)], dim=1)
            P = P.scatter_add(1, src_ext.t(), (1 - p_gen) * a.t().masked_fill(mask.t(), 0.0))
            step_losses.append(-torch.log(P.gather(1, tout[t].reshape(B, 1)).squeeze(1)))
            cov_losses.append(torch.minimum(a, cov).sum(0))
            cov = cov + a
    logits = torch.stack(logits)  # Tt, B, V
    flat = logits.reshape(-1, Vt)
    tgt = tout.reshape(-1)
    keep = tgt != pad
    if pointer:
        nll = torch.stack(step_losses).reshape(-1)
        covl = torch.stack(cov_losses).reshape(-1)
        loss = nll[keep].mean() + cov_weight * covl[keep].mean()
    else:
        ce = torch.nn.functional.cross_entropy(flat, tgt, ignore_index=pad, label_smoothing=eps)
        logp = torch.log_softmax(flat, dim=1)
        ent = -(logp.exp() * logp).sum(1)
        loss = ce - lam * ent[keep].mean()
    loss.backward()

    name = "pointer_coverage" if pointer else kind
    if pointer:
        header = """The pointer-generator with coverage (See et al. 2017) on the Seq2Seq of
seq2seq/seq2seq.hpp with additive attention, from torch modules, float64:
P(w) = p_gen P_vocab(w) + (1 - p_gen) sum_{j: x_j = w} a_j over the extended
vocabulary, p_gen = sigmoid(w_s.s + w_z.z + w_x.x + b), score
v.tanh(W_h h + W_s s + w_c c + b), c_t = sum_{t'<t} a_t'.
loss = mean over target tokens of (-log P(y) + 0.7 * sum_j min(a_tj, c_tj)).
config: src_vocab 11, tgt_vocab 9, embedding 4, encoder_hidden 3 x 2 layers,
decoder_hidden 6 x 2 layers, attention_hidden 5."""
    else:
        header = """The whole Seq2Seq of seq2seq/seq2seq.hpp with %s attention, built from torch
modules (Embedding, packed bidirectional LSTM, Linear bridge, LSTMCell decoder
with input feeding, Linear combine and output), float64.
loss = cross_entropy(label_smoothing=0.1, ignore_index=pad) - 0.05 * mean entropy.
config: src_vocab 11, tgt_vocab 9, embedding 4, encoder_hidden 3 x 2 layers,
decoder_hidden %d x 2 layers, attention_hidden 5.""" % (kind, S)
    w = Writer(os.path.join(OUT, "seq2seq", "seq2seq_%s_torch.txt" % name), header)
    w.mat("config", torch.tensor([Vs, Vt, E, Hs, Le, S, Ld, A], dtype=dt))
    w.mat("tgt_in", tin.to(dt).reshape(1, -1))
    w.mat("tgt_out", tout.to(dt).reshape(1, -1))
    w.mat("src_ids", src.to(dt).reshape(1, -1))
    w.mat("src_lengths", torch.tensor(src_len, dtype=dt))
    if pointer:
        # the targets before the <unk> rule: the C++ loss applies it itself
        raw = torch.full((Tt, B), pad, dtype=torch.long)
        for b, y in enumerate(targets):
            for j, wd in enumerate(y):
                raw[j, b] = wd
            raw[len(y), b] = eos
        w.mat("tgt_out_ext", raw.to(dt).reshape(1, -1))
        w.mat("src_ext", src_ext.to(dt).reshape(1, -1))

    def param(name, t, grad):
        w.mat(name, t)
        w.mat("grad." + name, grad)

    param("src_embed.E", src_emb.weight.t(), src_emb.weight.grad.t())
    param("tgt_embed.E", tgt_emb.weight.t(), tgt_emb.weight.grad.t())
    for l in range(Le):
        for d, suffix in enumerate(["", "_reverse"]):
            base = "encoder.l%d.%s" % (l, "bwd" if d else "fwd")
            g = lambda n: getattr(enc, n + "_l%d%s" % (l, suffix))
            param(base + ".W_x", g("weight_ih"), g("weight_ih").grad)
            param(base + ".W_h", g("weight_hh"), g("weight_hh").grad)
            param(base + ".b", g("bias_ih") + g("bias_hh"), g("bias_ih").grad)
    for l in range(Ld):
        for part, lin in (("h", bridge_h[l]), ("c", bridge_c[l])):
            param("bridge.l%d.%s.W" % (l, part), lin.weight, lin.weight.grad)
            param("bridge.l%d.%s.b" % (l, part), lin.bias, lin.bias.grad)
        c = cells[l]
        param("decoder.l%d.W_x" % l, c.weight_ih, c.weight_ih.grad)
        param("decoder.l%d.W_h" % l, c.weight_hh, c.weight_hh.grad)
        param("decoder.l%d.b" % l, c.bias_ih + c.bias_hh, c.bias_ih.grad)
    for n, t in att.items():
        param("decoder.attention." + n, t, t.grad)
    for n, t in gate.items():
        param("decoder.copy." + n, t, t.grad)
    param("decoder.combine.W", combine.weight, combine.weight.grad)
    param("decoder.combine.b", combine.bias, combine.bias.grad)
    param("decoder.out.W", out.weight, out.weight.grad)
    param("decoder.out.b", out.bias, out.bias.grad)
    w.mat("loss", loss.detach().reshape(1))
    w.close()


def loss_fixture():
    """softmax_cross_entropy against torch's cross_entropy with label smoothing."""
    torch.manual_seed(5)
    V, N = 7, 6
    logits = (torch.randn(N, V, dtype=torch.float64) * 3).requires_grad_(True)
    targets = torch.tensor([1, 0, 6, 3, 0, 2])  # 0 = padding
    w = Writer(os.path.join(OUT, "seq2seq", "loss_torch.txt"), """
torch.nn.functional.cross_entropy(logits, targets, ignore_index=0, label_smoothing=eps)
minus lambda * mean entropy of softmax(logits) over non-padding targets, float64.""")
    w.mat("logits", logits.detach().t())
    w.mat("targets", targets.to(torch.float64).reshape(1, -1))
    for i, (eps, lam) in enumerate([(0.0, 0.0), (0.1, 0.0), (0.0, 0.3), (0.2, 0.1)]):
        logits.grad = None
        ce = torch.nn.functional.cross_entropy(logits, targets, ignore_index=0, label_smoothing=eps)
        logp = torch.log_softmax(logits, dim=1)
        ent = -(logp.exp() * logp).sum(1)[targets != 0].mean()
        loss = ce - lam * ent
        loss.backward()
        w.mat("case%d.config" % i, torch.tensor([eps, lam], dtype=torch.float64))
        w.mat("case%d.loss" % i, loss.detach().reshape(1))
        w.mat("case%d.grad" % i, logits.grad.t())
    w.close()


def optimizer_fixture():
    """Five steps of torch.optim's SGD (momentum), Adagrad, Adam (L2) and AdamW
    on one parameter vector with a fixed sequence of gradients."""
    torch.manual_seed(11)
    n, steps = 7, 5
    w0 = torch.randn(n, dtype=torch.float64)
    grads = [torch.randn(n, dtype=torch.float64) for _ in range(steps)]
    w = Writer(os.path.join(OUT, "train", "optimizer_torch.txt"), """
torch.optim on one float64 vector, 5 steps, lr 0.1, gradients g0..g4:
sgd momentum 0.9; adagrad initial_accumulator_value 0.1; adam betas (0.9, 0.999)
eps 1e-8 weight_decay 0.01 (L2); adamw the same with decoupled weight decay 0.01.""")
    w.mat("w0", w0)
    for k, g in enumerate(grads):
        w.mat("g%d" % k, g)
    makers = {
        "sgd": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9),
        "adagrad": lambda p: torch.optim.Adagrad([p], lr=0.1, initial_accumulator_value=0.1),
        "adam": lambda p: torch.optim.Adam([p], lr=0.1, weight_decay=0.01),
        "adamw": lambda p: torch.optim.AdamW([p], lr=0.1, weight_decay=0.01),
    }
    for name, make in makers.items():
        p = w0.clone().requires_grad_(True)
        opt = make(p)
        for k, g in enumerate(grads):
            p.grad = g.clone()
            opt.step()
            w.mat("%s.w%d" % (name, k + 1), p.detach())
    w.close()


if __name__ == "__main__":
    torch.set_num_threads(1)
    lstm_fixture()
    lstm_cell_fixture()
    loss_fixture()
    optimizer_fixture()
    for kind in ("additive", "dot", "general"):
        seq2seq_fixture(kind)
    seq2seq_fixture("additive", pointer=True)
    print("fixtures written to", OUT, file=sys.stderr)
