// MT19937 (Matsumoto & Nishimura 1998) and numpy's legacy RandomState.permutation on top of it, so that a seed
// gives the same row order here as `np.random.RandomState(seed).permutation(n)` (and so sklearn's random_state).
//   seeding     init_genrand(seed): numpy's RandomState(int) for 0 <= seed < 2**32
//   nextUint32  genrand_int32
//   interval    numpy's legacy random_interval(max): draw 32 bits, mask to the smallest 2^k-1 >= max, retry while > max
//   permutation arange(n), then Fisher–Yates from the end: for i = n-1 .. 1, swap x[i] with x[random_interval(i)]

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class MT19937 {
  private readonly mt = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`MT19937 seed must be an integer in [0, 2**32 - 1], got ${seed}`);
    }
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, mod 2^32 (Math.imul keeps the low 32 bits exact)
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  /** genrand_int32: the next 32-bit output, as an unsigned number. */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const mt = this.mt;
    for (let k = 0; k < N; k++) {
      const y = (mt[k] & UPPER_MASK) | (mt[(k + 1) % N] & LOWER_MASK);
      mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.index = 0;
  }
}

/** numpy's legacy `random_interval(max)`: uniform integer in [0, max] by masking and rejection (max < 2^32). */
export function randomInterval(rng: MT19937, max: number): number {
  if (max === 0) return 0;
  if (max > 0xffffffff)
    throw new RangeError(`randomInterval: max ${max} needs 64-bit draws, which are not implemented`);
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  mask >>>= 0;
  let value: number;
  do value = (rng.nextUint32() & mask) >>> 0;
  while (value > max);
  return value;
}

/** numpy's legacy in-place shuffle of a 1-d array (RandomState.shuffle). */
export function shuffleInPlace(rng: MT19937, x: Int32Array | number[]): void {
  for (let i = x.length - 1; i > 0; i--) {
    const j = randomInterval(rng, i);
    const t = x[i];
    x[i] = x[j];
    x[j] = t;
  }
}

/** `np.random.RandomState(seed).permutation(n)` when `rng` is fresh: (n,) int32 row indices. */
export function permutation(rng: MT19937, n: number): Int32Array {
  const x = new Int32Array(n);
  for (let i = 0; i < n; i++) x[i] = i;
  shuffleInPlace(rng, x);
  return x;
}
