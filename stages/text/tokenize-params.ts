// The tokenize stage's params as its run() receives them, ajv's defaults filled in; shared by its descriptor
// (stages/tokenize.ts) and its work (tokenize-parts.ts, loaded lazily) without either importing the other.
import type { TokenLayout } from '../artifacts/tokens.ts';

/**
 * The schema fills in block_size and keep_empty, and for mode bpe layout (pack) and, with layout pad, max_length
 * (1024); layout and max_length stay optional here because mode word has no default for them.
 */
export interface TokenizeParams {
  mode: 'word' | 'bpe';
  max_length?: number;
  layout?: TokenLayout;
  block_size: number;
  keep_empty: boolean;
}
