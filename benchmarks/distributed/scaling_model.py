"""The training step's throughput on this machine (1 process of 1 and 2
threads, 2 MPI ranks of 1 thread) and a model of data-parallel scaling over
nodes like it, from bench_mpi_train_step's JSON (medians of 3 repetitions).

Each node trains a batch of 32 a step (weak scaling), then the ranks sum the
gradient with a ring allreduce: every node sends and receives
2 (N - 1) / N * G bytes, G the float gradient. At bandwidth BW (bytes/s a
node, each way) that takes C = 2 (N - 1) / N * G / BW (latency, 2 (N - 1)
messages of tens of microseconds, is left out: it is under 1% here).
Efficiency, the step alone over the step with its sum:
  without overlap  E = S / (S + C)                   80%: C <= S / 4
  with overlap     E = S / (S + max(0, C - B))       80%: C <= B + S / 4
S the step on one node (2 threads), B its backward pass, which a sum in
buckets could overlap (the update cannot: it needs the whole sum).
genattn sums once, after the backward pass: the "without overlap" column.

  python3 scaling_model.py ONE_PROCESS.json TWO_RANKS.json
"""
import json
import sys


def medians(path):
    with open(path) as f:
        data = json.load(f)
    out = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") == "median":
            name = b["run_name"].split("/iterations")[0]
            out[name] = b
    return out


def ms(b):
    assert b["time_unit"] == "ms"
    return b["real_time"]


def main():
    one, two = medians(sys.argv[1]), medians(sys.argv[2])
    step1 = ms(one["BM_MpiTrainStep/threads:1"])
    step2 = ms(one["BM_MpiTrainStep/threads:2"])
    ranks2 = ms(two["BM_MpiTrainStep/threads:1"])
    fb1, fb2 = ms(one["BM_ForwardBackward/threads:1"]), ms(one["BM_ForwardBackward/threads:2"])
    fwd1 = ms(one["BM_Forward"])
    allreduce2 = ms(two["BM_GradientAllreduce"])
    params = one["BM_MpiTrainStep/threads:1"]["parameters"]
    grad = 4.0 * params  # bytes

    print("Training step, workload (a): batch 32, V 20000, E 128, H 256, %.1fM parameters" % (params / 1e6))
    print()
    print("| run | step | target tokens/s | vs 1 process, 1 thread |")
    print("|---|---|---|---|")
    for label, t in (("1 process, 1 thread", step1), ("1 process, 2 threads", step2),
                     ("2 MPI ranks, 1 thread each", ranks2)):
        print("| %s | %.0f ms | %.0f | %.2fx |" % (label, t, 32 * 12 / (t / 1e3), step1 / t))
    print()
    print("Sum of the %.1f MB gradient over 2 ranks on this machine (shared memory): %.0f ms, %.2f GB/s"
          % (grad / 1e6, allreduce2, grad / (allreduce2 / 1e3) / 1e9))
    # the 2-thread backward: the 1-thread run's backward share of forward + backward
    backward = fb2 * (fb1 - fwd1) / fb1
    update = max(0.0, step2 - fb2)
    print("Step on 2 threads: %.0f ms = forward + backward %.0f ms (backward ~%.0f ms) + update %.0f ms"
          % (step2, fb2, backward, update))
    print()
    print("| nodes | bytes a node sends (and receives) | bandwidth for 80% efficiency, no overlap | with overlap |")
    print("|---|---|---|---|")
    for n in (2, 8, 32):
        traffic = 2.0 * (n - 1) / n * grad
        plain = traffic / (step2 / 1e3 / 4)
        overlap = traffic / ((backward + step2 / 4) / 1e3)
        print("| %d | %.0f MB | %.1f Gbit/s | %.1f Gbit/s |" % (n, traffic / 1e6, plain * 8 / 1e9, overlap * 8 / 1e9))


if __name__ == "__main__":
    main()
