#!/usr/bin/python3
"""genattn beside PyTorch on the performance issue's workloads, in one run.

    /usr/bin/python3 benchmarks/compare/compare.py [--build build] [--repeat 10] [--min-time 2] [--rounds 3]
                                                   [--before OTHER_BUILD]

Runs genattn's Google Benchmark binaries (built by `cmake --build build`)
and torch_workloads.py (PyTorch on 1 and on 2 threads, OPENBLAS_NUM_THREADS
and torch.set_num_threads set alike; each workload keeps PyTorch's faster
setting) in turns, `--rounds` times, and takes each figure's median over the
rounds; then prints one table: each workload's time in both, the ratio,
and the matrix-product rate as a share of the machine's single-precision
matrix-multiply rate (the better of Eigen's and PyTorch's 2048^3 sgemm on
one thread, measured by this same run; twice that for two threads). It
also measures the memory read rate, which bounds one source's latency.

PyTorch runs with the OpenBLAS kernel (OPENBLAS_CORETYPE) that gives it the
fastest sgemm among those the processor can run and that agree with float64
(choose_openblas_core): Debian's OpenBLAS does not recognize every processor
and falls back to a slow generic kernel on some.
"""
import argparse
import collections
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def bench(binary, filt, min_time):
    out = subprocess.run([binary, "--benchmark_filter=" + filt, "--benchmark_format=json",
                          "--benchmark_min_time=%g" % min_time], check=True, capture_output=True, text=True).stdout
    res = {}
    for b in json.loads(out)["benchmarks"]:
        unit = {"ms": 1e-3, "us": 1e-6, "ns": 1e-9, "s": 1.0}[b["time_unit"]]
        res[b["name"]] = {"seconds": b["real_time"] * unit, "gflops": b.get("GFLOP"), "gbs": b.get("GB")}
    return res


def peak_rss_mb(cmd, env=None):
    """The peak resident set of `cmd`, run alone in a fresh process."""
    probe = ("import resource,subprocess,sys; subprocess.run(sys.argv[1:], check=True, "
             "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe] + cmd, check=True, capture_output=True, text=True, env=env)
    return int(out.stdout.split()[-1]) / 1024.0


# OpenBLAS's kernel for the processor. Debian's OpenBLAS 0.3.21 does not know
# every processor it runs on and then falls back to a slow generic kernel (on
# a 5th-generation Xeon: "Prescott", 30 GFLOP/s instead of 150). PyTorch's
# fastest setting is the fastest kernel that computes right on this machine:
# choose_openblas_core() tries each that the processor's flags allow.
CORE = {}
CORE_CANDIDATES = [("Haswell", {"avx2", "fma"}), ("Zen", {"avx2", "fma"}), ("SkylakeX", {"avx512f"}),
                   ("Cooperlake", {"avx512_bf16"}), ("SapphireRapids", {"amx_tile"})]


def torch_env(threads, core):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    # some machines here set both for older OpenBLAS builds: the choice below
    # replaces them together
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    if core:
        env["OPENBLAS_CORETYPE"] = core
    return env


def torch_run(threads, repeat, only="", core=None, verbose=False):
    env = torch_env(threads, CORE["best"].coretype if core is None else core)
    if verbose:
        env["OPENBLAS_VERBOSE"] = "2"  # "Core: NAME" on stderr
    cmd = ["/usr/bin/python3", os.path.join(HERE, "torch_workloads.py"), "--threads", str(threads),
           "--repeat", str(repeat)] + (["--only", only] if only else [])
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    out = json.loads(proc.stdout)
    if verbose:
        out["openblas_core"] = " ".join(l.split(":", 1)[1].strip() for l in proc.stderr.splitlines()
                                        if l.startswith("Core:")) or "?"
    return out


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


class KernelTry(collections.namedtuple("KernelTry", "coretype kernel gflops error")):
    """One OPENBLAS_CORETYPE tried: "" leaves OpenBLAS to detect the kernel
    (`kernel` names what it ran); `error` is None when PyTorch crashed."""

    @property
    def computes_right(self):
        return self.error is not None and self.error < 1e-5

    def __str__(self):
        name = self.coretype or "(detected)"
        if self.error is None:
            return "%s -> crashed" % name
        return "%s -> %s %.1f GFLOP/s, error %.1e" % (name, self.kernel, self.gflops, self.error)


def choose_openblas_core(repeat):
    """Sets CORE["best"] to the KernelTry with PyTorch's fastest sgemm whose
    product agrees with float64 to float rounding; returns every try."""
    flags = cpu_flags()
    tries = []
    for coretype in [""] + [n for n, need in CORE_CANDIDATES if need <= flags]:
        try:
            err = torch_run(1, 1, "sgemm_error", core=coretype, verbose=True)
            rate = torch_run(1, repeat, "sgemm_2048", core=coretype)["sgemm_2048"]["gflops"]
        except subprocess.CalledProcessError:
            tries.append(KernelTry(coretype, "", 0.0, None))
            continue
        tries.append(KernelTry(coretype, err["openblas_core"], rate, err["sgemm_error"]))
    CORE["best"] = max((t for t in tries if t.computes_right), key=lambda t: t.gflops)
    return tries


def median_of(runs):
    """Each number of the first run replaced by its median over all runs (the
    runs share their keys; nested dicts merge the same way)."""
    first = runs[0]
    if isinstance(first, dict):
        return {k: median_of([r[k] for r in runs]) for k in first}
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        return statistics.median(runs)
    return first


GENATTN_BENCHES = ("bench_gemm", "bench_lstm", "bench_train_step", "bench_search")


def genattn_run(b, min_time):
    g = {}
    g.update(bench(os.path.join(b, "bench_gemm"), "/2048|ReadBandwidth", min_time))
    g.update(bench(os.path.join(b, "bench_lstm"), "BiLstmForwardBackward/(32|64)/", min_time))
    g.update(bench(os.path.join(b, "bench_train_step"), ".", min_time))
    g.update(bench(os.path.join(b, "bench_search"), ".", min_time))
    return g


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--min-time", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds of both sides, one after the other; each figure is its median over the rounds")
    ap.add_argument("--before", default="",
                    help="a build of an earlier commit: its genattn binaries run in the same rounds, and the "
                         "table adds its times and before / now")
    args = ap.parse_args()
    if args.repeat < 1 or args.rounds < 1 or not args.min_time > 0:
        ap.error("--repeat and --rounds must be at least 1 and --min-time above 0 (got %d, %d, %g)" % (
            args.repeat, args.rounds, args.min_time))
    b = os.path.join(args.build, "benchmarks")
    missing = [n for n in GENATTN_BENCHES if not os.access(os.path.join(b, n), os.X_OK)]
    if missing:
        ap.error("no %s in %s: build them first (cmake -S . -B %s -G Ninja -DCMAKE_BUILD_TYPE=Release && "
                 "cmake --build %s --target %s), or run benchmarks/compare/run.sh, which does" % (
                     ", ".join(missing), b, args.build, args.build, " ".join(GENATTN_BENCHES)))
    before = os.path.join(args.before, "benchmarks") if args.before else ""
    if before:
        missing = [n for n in GENATTN_BENCHES if not os.access(os.path.join(before, n), os.X_OK)]
        if missing:
            ap.error("no %s in %s: build them in that checkout first" % (", ".join(missing), before))
    tries = choose_openblas_core(3)
    # genattn and PyTorch take turns, so that a change in the shared
    # machine's load falls on both sides rather than on one
    g_runs, t_runs, b_runs = [], [], []
    for _ in range(args.rounds):
        g_runs.append(genattn_run(b, args.min_time))
        t_runs.append({n: torch_run(n, args.repeat) for n in (1, 2)})
        if before:
            b_runs.append(genattn_run(before, args.min_time))
    g, t = median_of(g_runs), median_of(t_runs)
    gb = median_of(b_runs) if before else None
    g_rss = peak_rss_mb([os.path.join(b, "bench_train_step"), "--benchmark_filter=threads:2",
                         "--benchmark_min_time=%g" % args.min_time])
    t_rss = {n: torch_run(n, 3, "train_step")["peak_rss_mb"] for n in (1, 2)}

    def torch_best(name):
        n = min((1, 2), key=lambda k: t[k][name]["seconds"])
        return t[n][name]["seconds"], n

    # the best sgemm rate this run saw, the kernel choice's included (the
    # machine is shared: one measurement can fall short)
    torch_sgemm = max(t[1]["sgemm_2048"]["gflops"], CORE["best"].gflops)
    ceiling = max(g["BM_Sgemm/2048"]["gflops"], torch_sgemm)
    rows = [
        ("(a) training step, 2 threads", g["BM_TrainStep/threads:2/real_time"], "train_step", None),
        ("(a) training step, 1 thread", g["BM_TrainStep/threads:1/real_time"], "train_step", None),
        ("(b) BiLSTM fwd+bwd B32 T50 E128 H256, 1 thread", g["BM_BiLstmForwardBackward/32/50/128/256"],
         "bilstm_32_50_128_256", "flops"),
        ("(b) BiLSTM fwd+bwd B64 T25 E512 H512, 1 thread", g["BM_BiLstmForwardBackward/64/25/512/512"],
         "bilstm_64_25_512_512", "flops"),
        ("(c) greedy, 32 sources x 64 -> 12, 2 threads", g["BM_Greedy/sources:32/threads:2/precision:0/real_time"], "greedy_32",
         "flops2"),
        ("(c) greedy, 32 sources x 64 -> 12, 1 thread", g["BM_Greedy/sources:32/threads:1/precision:0/real_time"], "greedy_32",
         "flops"),
        ("(c) greedy, 1 source (latency), 2 threads", g["BM_Greedy/sources:1/threads:2/precision:0/real_time"], "greedy_1", None),
        ("(c) greedy, 1 source (latency), 1 thread", g["BM_Greedy/sources:1/threads:1/precision:0/real_time"], "greedy_1", None),
        ("(d) beam 5, 16 sources, 2 threads", g["BM_Beam/sources:16/threads:2/precision:0/real_time"], "beam_16", None),
        ("(d) beam 5, 16 sources, 1 thread", g["BM_Beam/sources:16/threads:1/precision:0/real_time"], "beam_16", None),
    ]
    print("machine: %s, %d cores; PyTorch %s; sgemm ceiling %.1f GFLOP/s (Eigen %.1f, PyTorch %.1f, 1 thread)" % (
        platform.processor() or platform.machine(), os.cpu_count(), t[1]["torch"], ceiling,
        g["BM_Sgemm/2048"]["gflops"], torch_sgemm))
    print("PyTorch's BLAS: OpenBLAS kernel %s (OPENBLAS_CORETYPE=%s), the fastest that computes right of: %s" % (
        CORE["best"].kernel, CORE["best"].coretype or "unset", "; ".join(str(t) for t in tries)))
    print()
    extra_head = " genattn before (%s) | before / now | PyTorch / before |" % args.before if before else ""
    print("| workload | genattn | PyTorch (threads) | PyTorch / genattn | genattn GFLOP/s (% of sgemm) |" + extra_head)
    print("|---|---|---|---|---|" + ("---|---|---|" if before else ""))
    for label, gen, tname, flops in rows:
        ts, tn = torch_best(tname)
        # two threads: a share of twice the one-thread ceiling
        top = ceiling * (2 if flops == "flops2" else 1)
        rate = "%.1f (%.0f%%)" % (gen["gflops"], 100 * gen["gflops"] / top) if flops else ""
        extra = ""
        if before:
            old = gb[[k for k, v in g.items() if v is gen][0]]["seconds"]
            extra = " %.1f ms | %.2fx | %.2fx |" % (1e3 * old, old / gen["seconds"], ts / old)
        print("| %s | %.1f ms | %.1f ms (%d) | %.2fx | %s |" % (label, 1e3 * gen["seconds"], 1e3 * ts, tn,
                                                               ts / gen["seconds"], rate) + extra)
    tr = min(t_rss.values())
    print("| (e) peak RSS of training (a) | %.0f MB | %.0f MB | %.2fx | |" % (g_rss, tr, tr / g_rss))
    s1, s2 = g["BM_TrainStep/threads:1/real_time"]["seconds"], g["BM_TrainStep/threads:2/real_time"]["seconds"]
    print()
    print("genattn training step, 2 threads vs 1: %.2fx faster" % (s1 / s2))
    print()
    reduced_precision_table(g, t)
    # One source reads every per-step weight of the decoder at each of its 12
    # steps (output V x S, cell 4S x (E+K+S), combine S x (S+K), query S x S;
    # 53.5 MB of floats): the rate at which two cores can read them, not
    # arithmetic, bounds its latency. Two rates: from a 256 MB buffer
    # (memory), and re-reading a 54 MB one, as the steps re-read the weights
    # (from the last-level cache where they fit, else memory).
    ts, _ = torch_best("greedy_1")
    rate = {mb: {n: g["BM_ReadBandwidth/MB:%d/threads:%d/real_time" % (mb, n)]["gbs"] for n in (1, 2)}
            for mb in (256, 54, 27, 14)}
    for precision, step_mb, cached in (("float", step_megabytes(4, 0), 54), ("bf16", step_megabytes(2, 0), 27),
                                       ("int8", step_megabytes(1, 8), 14)):
        mine = g["BM_Greedy/sources:1/threads:2/precision:%d/real_time" % PRECISIONS.index(precision)]["seconds"]
        print("one source's 12 steps read %.0f MB of %s weights (%.1f MB a step); at the read rate of two threads, "
              "that alone takes" % (12 * step_mb, precision, step_mb))
        for mb, where in ((256, "a 256 MB buffer"), (cached, "a %d MB buffer, re-read" % cached)):
            floor = 12 * step_mb / 1e3 / rate[mb][2]
            print("  %.1f ms from %s (%.1f GB/s; 1 thread %.1f GB/s): at most %.1fx lower latency than PyTorch "
                  "float's; genattn %s takes %.2fx the bound" % (1e3 * floor, where, rate[mb][2], rate[mb][1],
                                                                ts / floor, precision, mine / floor))
    l3 = last_level_cache_mb()
    if l3:
        print("  last-level cache: %.1f MB" % l3)


PRECISIONS = ("float", "bf16", "int8")  # bench_search's precision argument: 0, 1, 2


def step_megabytes(weight_bytes, row_bytes):
    """MB one decoding step reads (a source's 12 steps read every per-step
    weight of the decoder at each step: output V x S, cell 4S x (E+K+S),
    combine S x (S+K), query S x S), at `weight_bytes` a weight and
    `row_bytes` more a row (int8: a float scale and an int32 row sum)."""
    V, E, H = 20000, 128, 256
    S = K = 2 * H
    weights = V * S + 4 * S * (E + K + S) + S * (S + K) + S * S
    rows = V + 4 * S + S + S
    return (weight_bytes * weights + row_bytes * rows) / 1e6


def reduced_precision_table(g, t):
    """Decoding with float, bf16 and int8 weights beside PyTorch float and
    PyTorch's dynamic int8, genattn at the row's thread count and PyTorch at
    its faster of 1 and 2 threads (its fastest setting); the ratios are
    PyTorch's time over genattn int8's, and genattn float's over its int8's
    and bf16's."""
    print("| decoding | genattn float | genattn bf16 | genattn int8 | PyTorch float (best) | PyTorch int8 (best) | "
          "PyTorch float / genattn int8 | PyTorch int8 / genattn int8 | genattn float / int8 | genattn float / bf16 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, bench_name, torch_name in (("(c) greedy, 32 sources", "BM_Greedy/sources:32", "greedy_32"),
                                          ("(c) greedy, 1 source (latency)", "BM_Greedy/sources:1", "greedy_1"),
                                          ("(d) beam 5, 16 sources", "BM_Beam/sources:16", "beam_16")):
        for n in (2, 1):
            mine = [g["%s/threads:%d/precision:%d/real_time" % (bench_name, n, k)]["seconds"] for k in range(3)]
            tf = min(t[k][torch_name]["seconds"] for k in (1, 2))
            ti = min(t[k][torch_name + "_int8"]["seconds"] for k in (1, 2))
            print("| %s, %d thread%s | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1fx | %.1fx | %.2fx | "
                  "%.2fx |" % (label, n, "s" if n > 1 else "", 1e3 * mine[0], 1e3 * mine[1], 1e3 * mine[2],
                               1e3 * tf, 1e3 * ti, tf / mine[2], ti / mine[2], mine[0] / mine[2], mine[0] / mine[1]))


def last_level_cache_mb():
    """The largest CPU cache's size in MB (1e6 bytes, like the weights'; sysfs), or None."""
    sizes = []
    base = "/sys/devices/system/cpu/cpu0/cache"
    for d in (os.listdir(base) if os.path.isdir(base) else []):
        try:
            with open(os.path.join(base, d, "size")) as f:
                text = f.read().strip()
        except OSError:
            continue
        mult = {"K": 1024 / 1e6, "M": 1024 ** 2 / 1e6, "G": 1024 ** 3 / 1e6}.get(text[-1:], None)  # to MB of 1e6 bytes
        if mult:
            sizes.append(float(text[:-1]) * mult)
    return max(sizes) if sizes else None

if __name__ == "__main__":
    main()
