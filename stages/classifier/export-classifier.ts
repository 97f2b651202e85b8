// `tfpipe export` for the LSTM classifier: the model artifact's files as they are — model.safetensors (PyTorch
// state_dict names), config.json, vocab.json and tokenizer.json (the rules the training rows were tokenized with) —
// and a README.md whose Python loads the folder with torch alone and classifies a text as tfpipe does.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TOKENIZER_FILE, VOCAB_LIST_FILE } from '../artifacts/word-tokenizer.ts';
import { MODEL_CONFIG_FILE, MODEL_WEIGHTS_FILE } from './model-artifact.ts';

export interface ExportSource {
  /** The pipeline file and stage the model came from, for the README. */
  pipeline: string;
  stage: string;
}

const COPIED = [MODEL_WEIGHTS_FILE, MODEL_CONFIG_FILE, VOCAB_LIST_FILE, TOKENIZER_FILE];

/** Writes the export into `outDir` (an empty folder); returns the file names written. */
export async function exportClassifier(modelDir: string, outDir: string, source: ExportSource): Promise<string[]> {
  for (const name of COPIED) await copyFile(join(modelDir, name), join(outDir, name));
  const config = JSON.parse(await readFile(join(modelDir, MODEL_CONFIG_FILE), 'utf8')) as {
    lstm: Record<string, unknown>;
    label_names: string[];
  };
  const tokenizer = JSON.parse(await readFile(join(modelDir, TOKENIZER_FILE), 'utf8')) as Record<string, unknown>;
  await writeFile(join(outDir, 'README.md'), classifierReadme(config, tokenizer, source));
  return [...COPIED, 'README.md'];
}

function classifierReadme(
  config: { lstm: Record<string, unknown>; label_names: string[] },
  tokenizer: Record<string, unknown>,
  source: ExportSource,
): string {
  const l = config.lstm;
  return `# LSTM sentiment classifier (exported by tfpipe)

Trained by stage \`${source.stage}\` of \`${source.pipeline}\`. An \`nn.Embedding\` (padding_idx ${l.pad_index}) → \`nn.LSTM\`
(${l.n_layers} layer(s), hidden ${l.hidden_dim}${l.bidirectional ? ', bidirectional' : ''}, batch_first) over packed sequences → the final hidden
state of the top layer${l.bidirectional ? ' (forward and backward concatenated)' : ''} → dropout → \`nn.Linear\` to ${l.output_dim} logit(s).
Classes, in id order: ${config.label_names.map((n) => `\`${n}\``).join(', ')}.

| file | what |
| --- | --- |
| \`model.safetensors\` | the weights, PyTorch state_dict names (\`embedding.weight\`, \`lstm.weight_ih_l0\`, …, \`fc.weight\`) |
| \`config.json\` | \`lstm\`: vocab_size ${l.vocab_size}, embedding_dim ${l.embedding_dim}, hidden_dim ${l.hidden_dim}, output_dim ${l.output_dim}, n_layers ${l.n_layers}, bidirectional ${l.bidirectional}, dropout ${l.dropout}, pad_index ${l.pad_index}; \`label_names\` |
| \`vocab.json\` | the ${l.vocab_size} tokens, index = id |
| \`tokenizer.json\` | how a text becomes ids: lowercase ${tokenizer.lowercase}, strip the \`punctuation\` characters ${tokenizer.strip_punctuation}, split as Python's \`str.split()\`, drop \`stopwords\` (${tokenizer.stopword_list}), map words outside the vocab to unk (${tokenizer.unk_index}), keep the first ${tokenizer.max_length}; a text with no word left is one unk |

## Load it in PyTorch

Needs only \`torch\` (the safetensors file is read by the few lines below; \`safetensors.torch.load_file\` does the same).

\`\`\`python
import json, sys
import torch
from torch import nn

folder = sys.argv[1] if len(sys.argv) > 1 else "."

def load_safetensors(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header, data = json.loads(f.read(n)), f.read()
    dtypes = {"F32": torch.float32, "I32": torch.int32, "I64": torch.int64}
    return {name: torch.frombuffer(bytearray(data[t["data_offsets"][0]:t["data_offsets"][1]]), dtype=dtypes[t["dtype"]]).reshape(t["shape"])
            for name, t in header.items() if name != "__metadata__"}

class LSTMClassifier(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_dim, output_dim, n_layers, bidirectional, dropout, pad_index):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_index)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, n_layers, bidirectional=bidirectional,
                            dropout=dropout if n_layers > 1 else 0.0, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden_dim * (2 if bidirectional else 1), output_dim)

    def forward(self, ids, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(ids), lengths, batch_first=True, enforce_sorted=False)
        _, (hidden, _) = self.lstm(packed)
        last = torch.cat([hidden[-2], hidden[-1]], dim=1) if self.lstm.bidirectional else hidden[-1]
        return self.fc(self.dropout(last))

config = json.load(open(f"{folder}/config.json"))
vocab = json.load(open(f"{folder}/vocab.json"))
rules = json.load(open(f"{folder}/tokenizer.json"))
model = LSTMClassifier(**config["lstm"])
model.load_state_dict(load_safetensors(f"{folder}/model.safetensors"))
model.eval()

stoi = {token: i for i, token in enumerate(vocab)}
stopwords = set(rules["stopwords"])

def encode(text):
    if rules["lowercase"]:
        text = text.lower()
    if rules["strip_punctuation"]:
        text = "".join(c for c in text if c not in rules["punctuation"])
    ids = [stoi.get(w, rules["unk_index"]) for w in text.split() if w not in stopwords][: rules["max_length"]]
    return ids or [rules["unk_index"]]

def classify(texts):
    rows = [encode(t) for t in texts]
    ids = torch.full((len(rows), max(map(len, rows))), rules["pad_index"], dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
    with torch.no_grad():
        logits = model(ids, torch.tensor([len(r) for r in rows]))
    if logits.shape[1] == 1:
        p = torch.sigmoid(logits)
        return torch.cat([1 - p, p], dim=1)
    return torch.softmax(logits, dim=1)

texts = sys.argv[2:] or ["A moving, beautifully acted film."]
for text, probs in zip(texts, classify(texts)):
    best = int(probs.argmax())
    print(config["label_names"][best], [round(float(p), 4) for p in probs], text)
\`\`\`

Saved as \`load.py\`: \`python load.py FOLDER "some text" …\` prints each text's label and class probabilities, as
\`tfpipe predict\` does.
`;
}
