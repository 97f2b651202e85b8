# The seed homework's LSTM classifier in PyTorch, as /work/shared/fixtures/README.md describes the reference set's
# lstm-*.safetensors: Embedding (padding_idx) → nn.LSTM batch_first over pack_padded_sequence(enforce_sorted=False)
# → the final hidden state (both directions concatenated when bidirectional) → Linear. State_dict names are torch's.
import torch
from torch import nn

from torch_gpt2 import read_safetensors


class Classifier(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bidirectional = c["bidirectional"]
        self.embedding = nn.Embedding(c["vocab"], c["embedding_dim"], padding_idx=c["pad_index"])
        self.lstm = nn.LSTM(c["embedding_dim"], c["hidden_dim"], num_layers=c["n_layers"], bidirectional=c["bidirectional"], batch_first=True)
        self.fc = nn.Linear(c["hidden_dim"] * (2 if c["bidirectional"] else 1), c["output_dim"])

    def forward(self, ids, lengths):
        """ids (B, T) padded, lengths (B,) → logits (B, output_dim)."""
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(ids), lengths, batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)  # h (n_layers * directions, B, H)
        top = torch.cat((h[-2], h[-1]), 1) if self.bidirectional else h[-1]
        return self.fc(top)


def load_lstm(path, case):
    """lstm-*.safetensors with the settings of its lstm.json entry."""
    model = Classifier(case)
    model.load_state_dict(read_safetensors(path)[0], strict=True)
    return model


def adam_losses(model, ids, lengths, labels, o, steps):
    """Cross-entropy before each of `steps` torch.optim.Adam steps and after the last: steps + 1 values."""
    optimizer = torch.optim.Adam(model.parameters(), lr=o["lr"], eps=o["eps"])
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(ids, lengths), labels)
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        losses.append(nn.functional.cross_entropy(model(ids, lengths), labels).item())
    return losses
