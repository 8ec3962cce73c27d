#!/usr/bin/python3
"""Writes the PyTorch reference fixtures that genattn's C++ tests read.

Run with Debian's Python and python3-torch (not a pyenv python):

    /usr/bin/python3 scripts/make_torch_fixtures.py

Everything runs in float64 from fixed seeds, so the output is reproducible.
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


if __name__ == "__main__":
    torch.set_num_threads(1)
    lstm_fixture()
    lstm_cell_fixture()
    print("fixtures written to", OUT, file=sys.stderr)
