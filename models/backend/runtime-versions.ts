// The versions of the code that does a compute stage's maths, for its fingerprint: tfjs-core, the backend's
// package and, for webgpu, Dawn (the `webgpu` package). An upgrade of any of them may change the numbers a kernel
// produces, so it must not reuse models the old kernels computed (wireit puts its runtime's versions into its
// fingerprint data the same way).
//   runtimeVersions('webgpu') → {'tfjs-core': '4.22.0', 'tfjs-backend-webgpu': '4.22.0', webgpu: '0.6.2'}
// Read from the installed packages' package.json files, never by loading them: `tfpipe status` and a cached run
// stay free of TensorFlow.js.
import type { BackendName } from './select.ts';
import { readPackageText } from './package-assets.ts';
import { findTfjsNode } from './tensorflow.ts';
import { dawnVersion } from './webgpu/navigator-shim.ts';

/** Package name (without the @tensorflow/ scope) → installed version, or 'not installed'. */
export type RuntimeVersions = Record<string, string>;

const NOT_INSTALLED = 'not installed';

export function runtimeVersions(backend: BackendName): RuntimeVersions {
  const versions: RuntimeVersions = {
    'tfjs-core': versionIn(() => readPackageText('@tensorflow/tfjs-core/package.json')),
  };
  switch (backend) {
    case 'cpu':
      versions['tfjs-backend-cpu'] = versionIn(() => readPackageText('@tensorflow/tfjs-backend-cpu/package.json'));
      break;
    case 'wasm':
      versions['tfjs-backend-wasm'] = versionIn(() => readPackageText('@tensorflow/tfjs-backend-wasm/package.json'));
      break;
    case 'webgpu':
      versions['tfjs-backend-webgpu'] = versionIn(() =>
        readPackageText('@tensorflow/tfjs-backend-webgpu/package.json'),
      );
      versions.webgpu = dawnVersion() ?? NOT_INSTALLED;
      break;
    case 'tensorflow': {
      const found = findTfjsNode();
      versions[found?.name.replace('@tensorflow/', '') ?? 'tfjs-node'] = found?.version ?? NOT_INSTALLED;
      break;
    }
  }
  return versions;
}

/** The `version` of a package.json whose text `read` returns; 'not installed' when it cannot be read. */
function versionIn(read: () => string): string {
  try {
    const { version } = JSON.parse(read()) as { version?: unknown };
    return typeof version === 'string' ? version : NOT_INSTALLED;
  } catch {
    return NOT_INSTALLED;
  }
}
