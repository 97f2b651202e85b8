// A tensor as plain memory: its shape and its values, row-major. What the safetensors reader returns and the writer
// takes (safetensors.ts, safetensors-write.ts), so both can name it without importing each other.
export interface NamedArray {
  shape: number[];
  data: Float32Array | Int32Array;
}
