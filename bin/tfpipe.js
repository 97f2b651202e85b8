#!/usr/bin/env node
// The `tfpipe` command: registers the TypeScript loader, then hands over to runner/cli.ts.
import { register } from 'tsx/esm/api';

register();
await import('../runner/cli.ts');
