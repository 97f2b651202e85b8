// The WebGPU probe in a process of its own (probe-isolated.ts starts it): prints the probe as one JSON line on
// stdout. Dawn's native warnings (lavapipe: "maxDynamicUniformBuffersPerPipelineLayout artificially reduced …") go
// to this process's stderr, which the parent shows only with --debug.
import { probeWebGpuAdapter } from './probe.ts';

process.stdout.write(`${JSON.stringify(await probeWebGpuAdapter())}\n`);
process.exit(0); // Dawn's instance may keep the event loop alive
