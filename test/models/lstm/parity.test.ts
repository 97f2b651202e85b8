// Parity with PyTorch (fixtures made by torch itself, see test/fixtures/hf-reference/PROVENANCE.md): for each LSTM
// variant, logits and the losses around the reference's Adam steps within each backend's tolerance, on every backend
// available (test/helpers/backends.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { HF_REFERENCE } from '../../helpers/context.ts';
import { heldTensors } from '../../helpers/held.ts';
import { availableBackends, stepLoss, useBackend } from '../../helpers/backends.ts';
import type { BackendName } from '../../../models/backend/select.ts';
import { loadLstmSafetensors } from '../../../models/lstm/weights.ts';
import { disposeLstm, forwardLstm } from '../../../models/lstm/model.ts';
import { lstmTrainable } from '../../../models/lstm/trainable.ts';
import { createOptimizer } from '../../../models/train/create-optimizer.ts';
import { classificationLoss } from '../../../models/train/losses.ts';

interface LstmCase {
  name: string;
  pad_index: number;
  ids: number[][];
  length: number[];
  logits: number[][];
  labels: number[];
  optimizer: { name: string; lr: number; eps: number };
  losses: number[];
}

const cases = JSON.parse(await readFile(join(HF_REFERENCE, 'lstm.json'), 'utf8')) as LstmCase[];
const TOLERANCE: Record<BackendName, { logits: number; lossRel: number }> = {
  cpu: { logits: 1e-5, lossRel: 1e-5 },
  wasm: { logits: 1e-5, lossRel: 1e-5 },
  // the generic tf-ops cell, f32 maths on the GPU (lavapipe in CI)
  webgpu: { logits: 1e-5, lossRel: 1e-5 },
  tensorflow: { logits: 1e-5, lossRel: 1e-5 },
};

for (const backend of await availableBackends()) {
  for (const c of cases) {
    test(`${c.name} on ${backend}: logits and ${c.losses.length - 1} Adam steps match PyTorch`, async () => {
      await useBackend(backend);
      assert.equal(c.optimizer.name, 'adam');
      const model = await loadLstmSafetensors(join(HF_REFERENCE, `${c.name}.safetensors`), { padIndex: c.pad_index });
      const optimizer = createOptimizer({ name: 'adam', lr: c.optimizer.lr, eps: c.optimizer.eps });
      const keep = heldTensors();
      try {
        const batch = {
          ids: Int32Array.from(c.ids.flat()),
          lengths: c.length,
          width: c.ids[0].length,
          labels: c.labels,
        };
        const before = tf.memory().numTensors;
        const logits = tf.tidy(() => forwardLstm(model, batch));
        const got = (await logits.array()) as number[][];
        logits.dispose();
        assert.equal(tf.memory().numTensors, before, 'forward leaked tensors');
        got.forEach((row, i) =>
          row.forEach((v, j) =>
            assert.ok(
              Math.abs(v - c.logits[i][j]) <= TOLERANCE[backend].logits,
              `logit [${i},${j}] ${v} vs ${c.logits[i][j]}`,
            ),
          ),
        );

        const trainable = lstmTrainable(model);
        const losses: number[] = [];
        for (let step = 0; step < c.losses.length - 1; step++) {
          const stateTensors = tf.memory().numTensors;
          losses.push(await stepLoss(trainable, batch, optimizer, step + 1));
          if (step > 0) assert.equal(tf.memory().numTensors, stateTensors, 'train step leaked tensors');
        }
        const last = keep(tf.tidy(() => classificationLoss(forwardLstm(model, batch), batch.labels)));
        losses.push((await last.data())[0]);
        losses.forEach((v, i) =>
          assert.ok(
            Math.abs(v - c.losses[i]) <= TOLERANCE[backend].lossRel * Math.abs(c.losses[i]),
            `loss ${i}: ${v} vs ${c.losses[i]}`,
          ),
        );
      } finally {
        keep.dispose();
        optimizer.dispose();
        disposeLstm(model);
      }
    });
  }
}
