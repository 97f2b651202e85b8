// The tiled matmul as a tfjs-backend-webgpu program (see ../run-program.ts for the prelude it runs in).
// A [batchA, M, K] (or [batchA, K, M] transposed) @ B [batchB, K, N] (or [batchB, N, K]) → result [batch, M, N], with
// batchA and batchB each 1 or the output's batch. Workgroup (x, y, z) = (tile column, tile row, batch).
//
// K is summed in ⌈K / K_BLOCK⌉ near-equal blocks, each from zero and in order of k, and the blocks' sums are added
// in order, the first with the bias: bit for bit the sum matmul-k-blocks.ts forms from whole-block products, and
// every config gives the same bits (one fma per term, zero-padded tiles add exact zeros). Bounds checks on every load
// and store, so any M, N, K works.
import { type MatMulConfig, formatConfig, workgroupOf } from './config.ts';
import { TANH_PARTS } from './gelu-new-wgsl.ts';
import type { WgslProgram } from '../run-program.ts';
import { K_BLOCK } from '../../kernels/matmul-k-blocks.ts';

export type Activation = 'linear' | 'relu' | 'gelu_new';

export interface Epilogue {
  /** A [N] bias, added to the first K block's sum. */
  bias: boolean;
  activation: Activation;
  /** A residual of the output's shape, added last: residual + act(a @ b + bias). */
  residual: boolean;
}

export const NO_EPILOGUE: Epilogue = { bias: false, activation: 'linear', residual: false };

export interface MatMulProblem {
  batch: number;
  M: number;
  N: number;
  K: number;
  transposeA: boolean;
  transposeB: boolean;
  epilogue: Epilogue;
  /** The output's shape (any rank, [..., M, N]). */
  outputShape: number[];
}

const ACTIVATIONS: Record<Activation, (v: string) => string> = {
  linear: (v) => v,
  relu: (v) => `max(${v}, 0.0)`,
  gelu_new: (v) => `(${v} * 0.5) * tanhParts(${v}).onePlusT`,
};

function epilogueKey(e: Epilogue): string {
  return `${e.bias ? 'b' : ''}${e.activation}${e.residual ? 'r' : ''}`;
}

interface TileLoad {
  tile: string;
  input: string;
  outerTile: number;
  tileK: number;
  threads: number;
  /** Whether k is the operand's innermost axis in memory: then consecutive invocations read consecutive k. */
  kInner: boolean;
  outer: string;
  outerStart: string;
  base: string;
  /** The workgroup tile holds vec4s. */
  vec: boolean;
  /** The input is read as vec4s along its innermost axis (see wideLoads). */
  wide: boolean;
}

/** Loads one operand's tile into workgroup memory, k-major ([tileK][tileOuter]), zero outside [0, outer) × [k0, kEnd). */
function tileLoad(t: TileLoad): string {
  const { tile, input, outerTile, tileK, threads, kInner, outer, outerStart, base, vec } = t;
  if (t.wide) return wideTileLoad(t);
  const pick = kInner
    ? `let kk = i % ${tileK}; let o = i / ${tileK};`
    : `let o = i % ${outerTile}; let kk = i / ${outerTile};`;
  const at = kInner ? `(${outerStart} + o) * uniforms.K + k0 + kk` : `(k0 + kk) * ${outer} + ${outerStart} + o`;
  const slot = `kk * ${outerTile} + o`;
  const store = vec ? `${tile}[(${slot}) / 4][(${slot}) % 4] = v;` : `${tile}[${slot}] = v;`;
  return `
      for (var i = tid; i < ${outerTile * tileK}; i = i + ${threads}) {
        ${pick}
        var v = 0.0;
        if (${outerStart} + o < ${outer} && k0 + kk < kEnd) { v = ${input}[${base} + ${at}]; }
        ${store}
      }`;
}

/**
 * The same with one vec4 read per 4 elements. Along k (kInner): 4 consecutive k of one row, scattered into 4 rows
 * of the tile; along the outer axis: 4 consecutive rows/columns of one k, one vec4 store. The caller guarantees
 * alignment: the innermost length is a multiple of 4, and along k the block starts at 0 (one K block), so a vec4 is
 * wholly inside or outside the bounds.
 */
function wideTileLoad(t: TileLoad): string {
  const { tile, input, outerTile, tileK, threads, kInner, outer, outerStart, base } = t;
  if (kInner)
    return `
      for (var i = tid; i < ${(outerTile * tileK) / 4}; i = i + ${threads}) {
        let kk = (i % ${tileK / 4}) * 4;
        let o = i / ${tileK / 4};
        var v = vec4<f32>(0.0);
        if (${outerStart} + o < ${outer} && k0 + kk < kEnd) {
          v = ${input}[(${base} + (${outerStart} + o) * uniforms.K + k0 + kk) / 4];
        }
        for (var c = 0; c < 4; c++) {
          let slot = (kk + c) * ${outerTile} + o;
          ${tile}[slot / 4][slot % 4] = v[c];
        }
      }`;
  return `
      for (var i = tid; i < ${(outerTile * tileK) / 4}; i = i + ${threads}) {
        let o = (i % ${outerTile / 4}) * 4;
        let kk = i / ${outerTile / 4};
        var v = vec4<f32>(0.0);
        if (${outerStart} + o < ${outer} && k0 + kk < kEnd) {
          v = ${input}[(${base} + (k0 + kk) * ${outer} + ${outerStart} + o) / 4];
        }
        ${tile}[(kk * ${outerTile} + o) / 4] = v;
      }`;
}

/**
 * Which operands a vec4 config reads as vec4s: those whose innermost axis is a multiple of 4 long, and, where that
 * axis is k, only with one K block (later blocks start anywhere).
 */
export function wideLoads(p: MatMulProblem, vec: boolean): { a: boolean; b: boolean } {
  const oneBlock = p.K <= K_BLOCK;
  const innerA = p.transposeA ? p.M % 4 === 0 : p.K % 4 === 0 && oneBlock;
  const innerB = p.transposeB ? p.K % 4 === 0 && oneBlock : p.N % 4 === 0;
  return { a: vec && innerA, b: vec && innerB };
}

/** Not flat, so the prelude calls main() (the workgroup ids carry the tile): columns, rows, batch dims. */
function dispatchLayoutOf(rank: number): WgslProgram['dispatchLayout'] {
  const batchDims = Array.from({ length: rank - 2 }, (_, i) => i);
  return { x: [rank - 1], y: [rank - 2], ...(rank > 2 ? { z: batchDims } : {}) };
}

export function tiledMatMulProgram(config: MatMulConfig, p: MatMulProblem): WgslProgram {
  const { tileM, tileN, tileK, rowsPerThread: TM, colsPerThread: TN } = config;
  const vec = config.vecWidth === 4;
  const [wx, wy] = workgroupOf(config);
  const threads = wx * wy;
  const e = p.epilogue;
  const wide = wideLoads(p, vec);
  const common = { tileK, threads, vec };
  const variableNames = ['A', 'B', ...(e.bias ? ['bias'] : []), ...(e.residual ? ['residual'] : [])];
  // accumulators: TM rows of TN (scalars) or TN / 4 vec4s
  const perRow = vec ? TN / 4 : TN;
  const accType = vec ? 'vec4<f32>' : 'f32';
  const tileType = vec ? 'vec4<f32>' : 'f32';
  const tileLen = (outer: number) => (vec ? (tileK * outer) / 4 : tileK * outer);
  const readRegs = (tile: string, n: number, outerTile: number, start: string, reg: string) =>
    vec
      ? `for (var j = 0; j < ${n / 4}; j++) { ${reg}[j] = ${tile}[(kk * ${outerTile} + ${start}) / 4 + j]; }`
      : `for (var j = 0; j < ${n}; j++) { ${reg}[j] = ${tile}[kk * ${outerTile} + ${start} + j]; }`;
  const aScalar = vec ? `a[i / 4][i % 4]` : `a[i]`;
  const fmaTerm = vec
    ? `part[i * ${perRow} + j] = fma(vec4<f32>(${aScalar}), b[j], part[i * ${perRow} + j]);`
    : `part[i * ${perRow} + j] = fma(${aScalar}, b[j], part[i * ${perRow} + j]);`;
  const element = (arr: string, i: string, j: string) =>
    vec ? `${arr}[${i} * ${perRow} + ${j} / 4][${j} % 4]` : `${arr}[${i} * ${perRow} + ${j}]`;

  const userCode = `
    ${e.activation === 'gelu_new' ? TANH_PARTS : ''}
    var<workgroup> As : array<${tileType}, ${tileLen(tileM)}>;
    var<workgroup> Bs : array<${tileType}, ${tileLen(tileN)}>;

    fn main() {
      let batch = i32(workgroupId.z);
      let row0 = i32(workgroupId.y) * ${tileM};
      let col0 = i32(workgroupId.x) * ${tileN};
      let tid = i32(localIndex);
      let tRow = i32(localId.y) * ${TM};
      let tCol = i32(localId.x) * ${TN};
      let M = uniforms.M;
      let N = uniforms.N;
      let K = uniforms.K;
      let baseA = (batch % uniforms.batchA) * M * K;
      let baseB = (batch % uniforms.batchB) * K * N;
      var total : array<${accType}, ${TM * perRow}>;
      var part : array<${accType}, ${TM * perRow}>;
      var a : array<${tileType}, ${vec ? TM / 4 : TM}>;
      var b : array<${tileType}, ${perRow}>;
      for (var blk = 0; blk < uniforms.kBlocks; blk++) {
        let kStart = (blk * K) / uniforms.kBlocks;
        let kEnd = ((blk + 1) * K) / uniforms.kBlocks;
        for (var i = 0; i < ${TM * perRow}; i++) { part[i] = ${accType}(0.0); }
        for (var k0 = kStart; k0 < kEnd; k0 = k0 + ${tileK}) {
          ${tileLoad({ tile: 'As', input: 'A', outerTile: tileM, kInner: !p.transposeA, outer: 'M', outerStart: 'row0', base: 'baseA', wide: wide.a, ...common })}
          ${tileLoad({ tile: 'Bs', input: 'B', outerTile: tileN, kInner: p.transposeB, outer: 'N', outerStart: 'col0', base: 'baseB', wide: wide.b, ...common })}
          workgroupBarrier();
          for (var kk = 0; kk < ${tileK}; kk++) {
            ${readRegs('As', TM, tileM, 'tRow', 'a')}
            ${readRegs('Bs', TN, tileN, 'tCol', 'b')}
            for (var i = 0; i < ${TM}; i++) {
              for (var j = 0; j < ${perRow}; j++) { ${fmaTerm} }
            }
          }
          workgroupBarrier();
        }
        if (blk == 0) {
          for (var i = 0; i < ${TM * perRow}; i++) { total[i] = part[i]; }
          ${
            e.bias
              ? `for (var i = 0; i < ${TM}; i++) {
            for (var j = 0; j < ${TN}; j++) {
              let c = col0 + tCol + j;
              if (c < N) { ${element('total', 'i', 'j')} = ${element('total', 'i', 'j')} + bias[c]; }
            }
          }`
              : ''
          }
        } else {
          for (var i = 0; i < ${TM * perRow}; i++) { total[i] = total[i] + part[i]; }
        }
      }
      for (var i = 0; i < ${TM}; i++) {
        let r = row0 + tRow + i;
        for (var j = 0; j < ${TN}; j++) {
          let c = col0 + tCol + j;
          if (r < M && c < N) {
            let flat = (batch * M + r) * N + c;
            let v = ${ACTIVATIONS[e.activation](element('total', 'i', 'j'))};
            setOutputAtIndex(flat, ${e.residual ? 'residual[flat] + v' : 'v'});
          }
        }
      }
    }`;
  return {
    variableNames,
    outputShape: p.outputShape,
    // inputs read as vec4s are declared array<vec4<f32>>
    variableComponents: [wide.a ? 4 : 1, wide.b ? 4 : 1, ...variableNames.slice(2).map(() => 1)],
    shaderKey: `tfpipe_matmul_${formatConfig(config)}_${p.transposeA ? 't' : 'n'}${p.transposeB ? 't' : 'n'}${wide.a ? '4' : '1'}${wide.b ? '4' : '1'}_${epilogueKey(e)}`,
    dispatchLayout: dispatchLayoutOf(p.outputShape.length),
    dispatch: [Math.ceil(p.N / tileN), Math.ceil(p.M / tileM), p.batch],
    workgroupSize: [wx, wy, 1],
    uniforms: 'M : i32, N : i32, K : i32, kBlocks : i32, batchA : i32, batchB : i32,',
    getUserCode: () => userCode,
  };
}
