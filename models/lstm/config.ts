// The seed homework's LSTM classifier configuration (names as the seed's constructor arguments).
export interface LstmConfig {
  vocabSize: number;
  embeddingDim: number;
  hiddenDim: number;
  /** 1: one logit for BCE-with-logits; ≥ 2: class logits for cross-entropy. */
  outputDim: number;
  nLayers: number;
  bidirectional: boolean;
  /** Dropout between LSTM layers and before fc (training only). */
  dropout: number;
  /** Embedding row that stays zero and gets no gradient (nn.Embedding padding_idx). */
  padIndex: number;
}

export function directionsOf(config: LstmConfig): number {
  return config.bidirectional ? 2 : 1;
}

/** PyTorch state_dict names of layer k's weights in one direction. */
export function lstmParamNames(
  layer: number,
  reverse: boolean,
): { wIh: string; wHh: string; bIh: string; bHh: string } {
  const sfx = `_l${layer}${reverse ? '_reverse' : ''}`;
  return {
    wIh: `lstm.weight_ih${sfx}`,
    wHh: `lstm.weight_hh${sfx}`,
    bIh: `lstm.bias_ih${sfx}`,
    bHh: `lstm.bias_hh${sfx}`,
  };
}

/** Every parameter's name and shape, in state_dict order. */
export function lstmParamShapes(config: LstmConfig): [string, number[]][] {
  const { vocabSize: V, embeddingDim: E, hiddenDim: H, outputDim: O, nLayers } = config;
  const dirs = directionsOf(config);
  const shapes: [string, number[]][] = [['embedding.weight', [V, E]]];
  for (let k = 0; k < nLayers; k++) {
    const inDim = k === 0 ? E : H * dirs;
    for (let d = 0; d < dirs; d++) {
      const names = lstmParamNames(k, d === 1);
      shapes.push([names.wIh, [4 * H, inDim]], [names.wHh, [4 * H, H]], [names.bIh, [4 * H]], [names.bHh, [4 * H]]);
    }
  }
  shapes.push(['fc.weight', [O, H * dirs]], ['fc.bias', [O]]);
  return shapes;
}

export function validateLstmConfig(config: LstmConfig): void {
  const positive = ['vocabSize', 'embeddingDim', 'hiddenDim', 'outputDim', 'nLayers'] as const;
  for (const key of positive) {
    if (!Number.isInteger(config[key]) || config[key] < 1)
      throw new Error(`lstm config: ${key} must be an integer ≥ 1 (got ${config[key]})`);
  }
  if (!(config.dropout >= 0 && config.dropout < 1))
    throw new Error(`lstm config: dropout must be in [0, 1) (got ${config.dropout})`);
  if (!Number.isInteger(config.padIndex) || config.padIndex < 0 || config.padIndex >= config.vocabSize) {
    throw new Error(`lstm config: padIndex must be an integer in [0, ${config.vocabSize}) (got ${config.padIndex})`);
  }
}
