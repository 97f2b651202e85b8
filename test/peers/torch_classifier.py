# The exported LSTM classifier read back in PyTorch, written independently of the export's README: the folder's
# config.json, model.safetensors (read with the format's own rules: 8-byte header length, JSON header, raw bytes),
# vocab.json and tokenizer.json. Usage: torch_classifier.py FOLDER < texts.json; prints each text's class
# probabilities as JSON.
import json
import sys

import torch
from torch import nn

folder = sys.argv[1]


def read_safetensors(path):
    raw = open(path, "rb").read()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    data = raw[8 + size :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", name
        start, end = info["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(data[start:end]), dtype=torch.float32).reshape(info["shape"])
    return tensors


class Classifier(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bidirectional = c["bidirectional"]
        self.embedding = nn.Embedding(c["vocab_size"], c["embedding_dim"], padding_idx=c["pad_index"])
        self.lstm = nn.LSTM(
            c["embedding_dim"], c["hidden_dim"], num_layers=c["n_layers"], bidirectional=c["bidirectional"], batch_first=True
        )
        self.fc = nn.Linear(c["hidden_dim"] * (2 if c["bidirectional"] else 1), c["output_dim"])

    def forward(self, ids, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(ids), lengths, batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        top = torch.cat((h[-2], h[-1]), 1) if self.bidirectional else h[-1]
        return self.fc(top)


config = json.load(open(f"{folder}/config.json"))["lstm"]
model = Classifier(config)
model.load_state_dict(read_safetensors(f"{folder}/model.safetensors"), strict=True)
model.eval()

vocab = {token: i for i, token in enumerate(json.load(open(f"{folder}/vocab.json")))}
rules = json.load(open(f"{folder}/tokenizer.json"))
assert rules["split"] == "python-str-split" and rules["empty_text"] == "unk"


def ids_of(text):
    if rules["lowercase"]:
        text = text.lower()
    if rules["strip_punctuation"]:
        text = text.translate(str.maketrans("", "", rules["punctuation"]))
    words = [w for w in text.split() if w not in set(rules["stopwords"])]
    ids = [vocab.get(w, rules["unk_index"]) for w in words][: rules["max_length"]]
    return ids if ids else [rules["unk_index"]]


texts = json.load(sys.stdin)
rows = [ids_of(t) for t in texts]
batch = torch.nn.utils.rnn.pad_sequence([torch.tensor(r) for r in rows], batch_first=True, padding_value=rules["pad_index"])
with torch.no_grad():
    logits = model(batch, torch.tensor([len(r) for r in rows]))
probs = torch.softmax(logits, 1) if config["output_dim"] > 1 else torch.cat((1 - torch.sigmoid(logits), torch.sigmoid(logits)), 1)
json.dump(probs.tolist(), sys.stdout)
