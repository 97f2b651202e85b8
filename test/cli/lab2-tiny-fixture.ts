// A toy-size lab 2 for CLI tests: pipelines/lab2.yaml's graph — base perplexity → full fine-tuning → LoRA →
// generation → comparison — over six lines of WikiText-2 and a one-layer GPT-2 from {init}, with the file it reads.
export const LAB2_TINY_LINES = [
  ' = Valkyria Chronicles III = ',
  '',
  ' Senjō no Valkyria 3 : Unrecorded Chronicles is a tactical role @-@ playing video game developed by Sega . ',
  ' The game began development in 2010 , carrying over a large portion of the work done on Valkyria Chronicles II . ',
  ' It met with positive sales in Japan , and was praised by both Japanese and western critics . ',
  ' The model is based on the concept of a small language model trained for a test . ',
];

export const LAB2_TINY_PIPELINE = `# yaml-language-server: $schema=../schemas/pipeline.schema.json
name: lab2-tiny
backend: wasm
seed: 1
vars:
  gpt2: {init: {n_layer: 1, n_head: 2, n_embd: 8, n_positions: 32}}
stages:
  text: {kind: load, path: wiki.txt}
  split: {kind: split, input: text, method: ordered, valid: 0.34}
  tokenize: {kind: tokenize, input: split, mode: bpe, block_size: 8}
  ppl_base: {kind: evaluate, base: '\${vars.gpt2}', data: tokenize, part: valid}
  finetune: {kind: finetune, base: '\${vars.gpt2}', data: tokenize, epochs: 1, batch_size: 4, lr: 0.01, logging_steps: 1, checkpoint_every: 1}
  ppl_full: {kind: evaluate, model: finetune, data: tokenize, part: valid}
  lora: {kind: lora, model: finetune, data: tokenize, r: 2, epochs: 1, batch_size: 4, lr: 0.01}
  ppl_lora: {kind: evaluate, model: lora, data: tokenize, part: valid}
  generate: {kind: generate, model: lora, prompts: [The model is], max_new_tokens: 4, repetition_penalty: 1.2}
  compare:
    kind: compare
    rows: {base: [ppl_base], full: [ppl_full, finetune], LoRA: [ppl_lora, lora]}
    columns: [{metric: valid_perplexity, name: perplexity, digits: 1}, trainable_params]
`;

/** The project files: the pipeline as p.yaml and the text it loads. */
export const lab2TinyFiles = (): Record<string, string> => ({
  'p.yaml': LAB2_TINY_PIPELINE,
  'wiki.txt': LAB2_TINY_LINES.join('\n') + '\n',
});
