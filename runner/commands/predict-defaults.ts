// The predict stage's schema defaults, which `tfpipe predict` and the page of `tfpipe export --web` start from:
// the commands and the stage share one value.
import { kindInfo } from '../spec/kinds.ts';

export function predictDefault(key: 'batch_size' | 'max_new_tokens'): number {
  const properties = kindInfo('predict').schema.properties as Record<string, { default?: number }>;
  return properties[key].default!;
}
