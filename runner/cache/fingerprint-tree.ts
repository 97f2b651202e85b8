// What a stage's fingerprint covers, as a tree: the JSON whose sha256 is the fingerprint (fingerprint.ts builds and
// hashes it), kept in manifest.json and the last-run state so that `status` and `diff` can name what changed
// (tree-diff.ts). A module of its own because both of those use the shape and neither should import the other.
import type { Fingerprint } from '../../stages/stage.ts';

export interface FingerprintTree {
  kind: string;
  /** Stage.version: bumped when the implementation changes what it writes. */
  version: number;
  /** Resolved params, defaults filled, cosmetic fields (description) excluded. */
  params: Record<string, unknown>;
  /** Input port → the upstream artifact's fingerprint. */
  inputs: Record<string, Fingerprint>;
  /** Input file (relative to the pipeline folder when inside it, else absolute; '/' separators) → sha256 hex. */
  files: Record<string, string>;
  /** tfpipe major.minor, e.g. '0.1'. */
  tfpipe: string;
  /** The pipeline seed, where the executor includes it (stage RNGs derive from it). */
  seed?: number;
  /** The backend that runs the tensor code; present only for compute stages. */
  backend?: string;
  /**
   * The versions of tfjs-core, the backend's package and (webgpu) Dawn; present only for compute stages, so an
   * upgrade recomputes what other kernels computed. Absent in trees written before tfpipe recorded it.
   */
  runtime?: Record<string, string>;
}
