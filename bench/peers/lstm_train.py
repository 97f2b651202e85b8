"""Peer of bench/lstm-train.ts: the seed homework's LSTM classifier in PyTorch, trained with Adam on random
token batches, over packed sequences (pack_padded_sequence, enforce_sorted=False), torch.set_num_threads(2).
Prints one JSON line: training and inference samples/s.
usage: python3 lstm_train.py --lengths 256,31,... [--bidirectional] [--steps N] [--vocab V] [--emb E] [--hidden H]
"""
import argparse
import json
import time

import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, vocab, emb, hidden, out, layers, bidirectional, pad):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=pad)
        self.lstm = nn.LSTM(emb, hidden, num_layers=layers, bidirectional=bidirectional, batch_first=True)
        self.fc = nn.Linear(hidden * (2 if bidirectional else 1), out)
        self.bidirectional = bidirectional

    def forward(self, ids, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(ids), lengths, batch_first=True, enforce_sorted=False)
        _, (hidden, _) = self.lstm(packed)
        h = torch.cat((hidden[-2], hidden[-1]), dim=1) if self.bidirectional else hidden[-1]
        return self.fc(h)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--lengths', required=True)
    p.add_argument('--bidirectional', action='store_true')
    p.add_argument('--steps', type=int, default=2)
    p.add_argument('--vocab', type=int, default=20000)
    p.add_argument('--emb', type=int, default=128)
    p.add_argument('--hidden', type=int, default=128)
    a = p.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    lengths = torch.tensor([int(x) for x in a.lengths.split(',')])
    B, T = len(lengths), int(lengths.max())
    ids = torch.randint(1, a.vocab, (B, T))
    ids[torch.arange(T)[None, :] >= lengths[:, None]] = 0
    labels = torch.randint(0, 2, (B,))
    model = Classifier(a.vocab, a.emb, a.hidden, 2, 1, a.bidirectional, 0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(ids, lengths), labels)
        loss.backward()
        opt.step()

    model.train()
    step()  # warm-up
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    train_s = (time.perf_counter() - t0) / a.steps
    model.eval()
    with torch.no_grad():
        model(ids, lengths)
        t0 = time.perf_counter()
        for _ in range(a.steps):
            model(ids, lengths)
        infer_s = (time.perf_counter() - t0) / a.steps
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'train_samples_per_s': B / train_s, 'infer_samples_per_s': B / infer_s}))


if __name__ == '__main__':
    main()
