#!/usr/bin/env bash
# npm run gpu:check-pack [-- lab1]
# Prepares ONE device call that checks issues 5 and 7 on a GPU machine without Node.js or network, in .gpu/:
#   (default) the GPU benchmark (bench/gpu/side-by-side.ts: tfpipe on webgpu against PyTorch on CUDA, GPT-2 124M
#             and the lab-1 LSTM; the matmul row: GFLOP/s of the tuned WGSL kernel, tfjs's and cuBLAS fp32 at
#             1024-4096 and GPT-2's shapes) and pipelines/lab2-offline.yaml with its WikiText-2 file (about 42 MiB)
#   lab1      pipelines/lab1.yaml with the IMDB file (25 MiB; about 61 MiB of the 64 a pack may hold, so alone)
# Then, there: bash .gpu/check.sh. It writes under $OUT (else .gpu/../gpu-check-out): bench.txt, lab2-offline.txt
# or lab1.txt, and the cache. The benchmark runs every workload with the fused kernels and again on plain tfjs ops
# (--with-plain: each kernel's before and after, in the same call). Each part runs under its own limit
# (TFPIPE_CHECK_LIMITS="bench pipeline" seconds, default "360 240"), so a slow part cannot eat the other's time;
# TFPIPE_CHECK_BENCH_ARGS adds benchmark flags, which win over these defaults (--small checks the plumbing on a
# CPU, through lavapipe).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${TFPIPE_DATA:-../shared/data}
case "${1:-}" in
  lab1) pipeline=pipelines/lab1.yaml; datafile=imdb/IMDB_Dataset.csv.gz; bench=no ;;
  '') pipeline=pipelines/lab2-offline.yaml; datafile=wikitext-2-raw-v1/test.txt.gz; bench=yes ;;
  *) echo "usage: npm run gpu:check-pack [-- lab1]" >&2; exit 2 ;;
esac
[ -f "$data/$datafile" ] || { echo "gpu-check: $data/$datafile not found (set TFPIPE_DATA)" >&2; exit 2; }
trap 'rm -rf .gpu-bench' EXIT
[ $bench = yes ] && node --import tsx scripts/gpu-bundle.ts bench/gpu/side-by-side.ts .gpu-bench/bench.mjs --standalone
bash scripts/gpu-pack.sh "$pipeline" bench/gpu/peer_torch.py
mkdir -p ".gpu/data/$(dirname "$datafile")" && cp "$data/$datafile" ".gpu/data/$datafile"
if [ $bench = yes ]; then
  cp .gpu-bench/bench.mjs .gpu/bench.mjs
  sed 's/main\.mjs/bench.mjs/' .gpu/run.sh > .gpu/bench.sh  # the same setup, the benchmark's bundle
fi
cat > .gpu/check.sh <<CHECK
#!/usr/bin/env bash
# The device check written by scripts/gpu-check.sh: the benchmark (when packed), then $pipeline on webgpu.
g=\$(cd "\$(dirname "\$0")" && pwd); out=\${OUT:-\$g/../gpu-check-out}; mkdir -p "\$out"
read -r limit_bench limit_run <<< "\${TFPIPE_CHECK_LIMITS:-360 240}"
export TFPIPE_DATA="\$g/data" XDG_RUNTIME_DIR=\${XDG_RUNTIME_DIR:-/tmp}
if [ -f "\$g/bench.sh" ]; then
  timeout "\$limit_bench" bash "\$g/bench.sh" \${TFPIPE_CHECK_BENCH_ARGS:-} --backend webgpu --with-plain --steps 4 2>&1 | grep -v '^Warning' | tee "\$out/bench.txt"
fi
timeout "\$limit_run" bash "\$g/run.sh" run $pipeline --backend webgpu --cache-dir "\$out/cache" 2>&1 | grep -v '^Warning' | tee "\$out/$(basename "$pipeline" .yaml).txt"
echo "check: exit \${PIPESTATUS[0]} (124 = its time limit)"
CHECK
du -sh .gpu
echo "gpu-check: on the GPU machine run: bash .gpu/check.sh   (results under \$OUT)"
