// The optional `tensorflow` backend: @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node (CPU, libtensorflow
// with oneDNN), whichever the user installed. Never a dependency of tfpipe: its install script downloads
// libtensorflow. Finding it is a module resolution, no loading, so `auto` can ask cheaply.
import { createRequire } from 'node:module';

/** In order of preference. */
export const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
export type TfjsNodePackage = (typeof TFJS_NODE_PACKAGES)[number];

export interface FoundTfjsNode {
  name: TfjsNodePackage;
  /** The resolved entry file, to import by path (the same file whichever module asks). */
  path: string;
  version: string;
}

/** The first installed tfjs-node package, resolved from `from` (default: this project). */
export function findTfjsNode(from: string = import.meta.url): FoundTfjsNode | undefined {
  const require = createRequire(from);
  for (const name of TFJS_NODE_PACKAGES) {
    try {
      const path = require.resolve(name);
      const version = (require(`${name}/package.json`) as { version: string }).version;
      return { name, path, version };
    } catch {
      // not installed: try the next
    }
  }
  return undefined;
}

export function tfjsNodeInstallHint(coreVersion: string): string {
  return (
    `install @tensorflow/tfjs-node-gpu@${coreVersion} (NVIDIA GPU; needs the CUDA and cuDNN its README lists) or ` +
    `@tensorflow/tfjs-node@${coreVersion} (CPU) next to tfpipe: npm install --no-save @tensorflow/tfjs-node@${coreVersion}`
  );
}
