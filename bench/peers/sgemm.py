# Peer for bench/gpt2-profile.ts: PyTorch's fp32 matmul GFLOP/s (OpenBLAS sgemm on this CPU) at given shapes.
# Reads a JSON list of {"batch", "M", "N", "K", "transposeA", "transposeB"} on stdin; prints one JSON line, the
# GFLOP/s of each in order (best of 5 timed runs after a warm-up, each run at least 20 ms of repeats).
# usage: python3 bench/peers/sgemm.py THREADS < shapes.json
import json, sys, time
import torch

torch.set_num_threads(int(sys.argv[1]))
torch.manual_seed(0)

def gflops(s):
    batch, M, N, K = s["batch"], s["M"], s["N"], s["K"]
    a = torch.randn(batch, K, M).transpose(1, 2) if s["transposeA"] else torch.randn(batch, M, K)
    b = torch.randn(batch, N, K).transpose(1, 2) if s["transposeB"] else torch.randn(batch, K, N)
    if batch == 1:
        a, b = a[0], b[0]
    torch.matmul(a, b)
    reps, best = 1, float("inf")
    while True:
        start = time.perf_counter()
        for _ in range(reps):
            torch.matmul(a, b)
        if time.perf_counter() - start >= 0.02:
            break
        reps *= 2
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(reps):
            torch.matmul(a, b)
        best = min(best, (time.perf_counter() - start) / reps)
    return 2 * batch * M * N * K / best / 1e9

print(json.dumps([gflops(s) for s in json.load(sys.stdin)]))
