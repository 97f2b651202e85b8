#!/usr/bin/env bash
# npm run gpu:pack -- PIPELINE [FILE_OR_DIR ...]
# Packs the tfpipe CLI with a pipeline and the files it reads into .gpu/ for a GPU machine without Node.js or
# network (see ../shared/gpu/README.md): scripts/gpu-bundle.ts bundles the CLI, ../shared/gpu/pack.sh adds Node.js,
# Dawn and the Vulkan loader. Then, on the GPU machine:
#   bash .gpu/run.sh run PIPELINE --backend webgpu        (relative paths are relative to .gpu/)
# With your own GPU (NVIDIA, AMD, Apple) you need none of this: npx tfpipe run PIPELINE --backend webgpu.
# TFPIPE_GPU_ENTRY=bench/backends.ts packs another entry instead of the CLI (its arguments go to run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || [ -n "${TFPIPE_GPU_ENTRY:-}" ] || { echo "usage: npm run gpu:pack -- PIPELINE [FILE_OR_DIR ...]" >&2; exit 2; }
pack=${TFPIPE_GPU_PACK:-../shared/gpu/pack.sh}
[ -x "$pack" ] || [ -f "$pack" ] || { echo "gpu-pack: $pack not found (set TFPIPE_GPU_PACK)" >&2; exit 2; }
trap 'rm -rf .gpu-build' EXIT
node --import tsx scripts/gpu-bundle.ts "${TFPIPE_GPU_ENTRY:-runner/cli.ts}" .gpu-build/tfpipe.mjs
# what the CLI reads relative to its own sources, in the project's layout
files=(package.json schemas)
while IFS= read -r f; do files+=("$f"); done < <(find runner stages models -type f ! -name '*.ts' | sort)
bash "$pack" .gpu-build/tfpipe.mjs "${files[@]}" "$@"
if [ -n "${TFPIPE_GPU_ENTRY:-}" ]; then echo "gpu-pack: .gpu/ is ready; run there: bash .gpu/run.sh ARGS (ARGS go to $TFPIPE_GPU_ENTRY)"
else echo "gpu-pack: .gpu/ is ready; run there: bash .gpu/run.sh run $1 --backend webgpu"; fi
