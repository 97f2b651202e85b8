// The backend a run uses, as the executors see it: its resolved name (in compute stages' fingerprints) and how to
// start TensorFlow.js on it (exec/backend.ts makes one from --backend, the file's backend or TFPIPE_BACKEND).
import type { BackendName } from '../../models/backend/select.ts';

export interface BackendChoice {
  /** Resolved name, part of compute stages' fingerprints. */
  name: BackendName;
  /**
   * Initialises TensorFlow.js on it; called once, before the first compute stage that actually runs. `status`
   * shows a line in the live view while it works (webgpu: "tuning matmul for nvidia-h200 …" on a new machine).
   */
  init(status?: (text: string) => void): Promise<{ name: string; device: string }>;
}
