# The homework's Lab 2 procedure (section 3 of the seed homework) in PyTorch, with the plain-torch GPT-2 of
# torch_gpt2.py standing in for transformers' GPT2LMHeadModel (wrapped so that model(...).logits reads as the
# homework's code does). The tokenized rows come from tfpipe (the tokenizer is checked elsewhere); everything after
# tokenization is the homework's or transformers':
#   perplexity FOLDER < {"input_ids", "attention_mask", "pad_token_id"}
#       DataCollatorForLanguageModeling(mlm=False)'s rule, DataLoader(batch_size=4), and evaluate_perplexity verbatim;
#       prints {"per_input_token", "per_predicted_token", "total_loss", "input_tokens", "predicted_tokens"}
#   step FOLDER < {"input_ids", "attention_mask", "pad_token_id", "pads": "ignored"|"trained", "lr", "betas", "eps",
#                  "max_grad_norm"}
#       one Trainer step on the batch (loss, backward, clip_grad_norm_, AdamW with weight decay 0), the labels by the
#       collator's rule (pads ignored) or the input ids (pads trained: the Trainer without a collator);
#       prints {"loss_before", "loss_after"}
#   loss FOLDER < the same batch and "pads"; prints {"loss"}
import json
import sys

import torch
from torch import nn
from torch.utils.data import DataLoader

from torch_gpt2 import IGNORE_INDEX, load_gpt2

device = "cpu"


class CausalLMOutput:
    def __init__(self, logits):
        self.logits = logits


class AsHF(nn.Module):
    """model(input_ids, attention_mask=..., labels=...).logits, as the homework calls GPT2LMHeadModel."""

    def __init__(self, gpt2):
        super().__init__()
        self.gpt2 = gpt2

    def forward(self, input_ids, attention_mask=None, labels=None):
        return CausalLMOutput(self.gpt2(input_ids, attention_mask))


def collate_for_language_modeling(pad_token_id):
    """DataCollatorForLanguageModeling(tokenizer, mlm=False) on rows already padded: stack, labels = input_ids with
    the pad id set to -100 (transformers' torch_call)."""

    def collate(examples):
        batch = {key: torch.stack([torch.tensor(e[key]) for e in examples]) for key in examples[0]}
        labels = batch["input_ids"].clone()
        if pad_token_id is not None:
            labels[labels == pad_token_id] = -100
        batch["labels"] = labels
        return batch

    return collate


# 3(c), verbatim.
def evaluate_perplexity(model, dataloader):
    model.eval()
    model.to(device)
    total_loss = 0
    total_length = 0
    loss_fn = nn.CrossEntropyLoss(reduction='sum')

    with torch.no_grad():
        for batch in dataloader:
            # your code here: get the input_ids, attention_mask, and labels from the batch
            input_ids = batch["input_ids"].to(device)
            attention_mask = batch["attention_mask"].to(device)
            labels = batch['labels'].to(device)

            # your code here: forward pass
            outputs = model(input_ids, attention_mask=attention_mask, labels=labels)
            logits = outputs.logits

            # Shift so that tokens < n predict n
            shift_logits = logits[..., :-1, :].contiguous()
            shift_labels = labels[..., 1:].contiguous()

            # your code here: calculate the loss
            loss = loss_fn(shift_logits.view(-1, shift_logits.size(-1)), shift_labels.view(-1))

            total_loss += loss.item()
            total_length += attention_mask.sum().item()

    # Calculate perplexity
    perplexity = torch.exp(torch.tensor(total_loss / total_length))

    return perplexity.item(), total_loss, total_length


def rows_of(data):
    return [{"input_ids": ids, "attention_mask": mask} for ids, mask in zip(data["input_ids"], data["attention_mask"])]


def labels_of(data, batch):
    if data["pads"] == "trained":
        return batch["input_ids"].clone()
    return collate_for_language_modeling(data["pad_token_id"])(rows_of(data))["labels"]


def perplexity(folder, data):
    loader = DataLoader(rows_of(data), batch_size=4, collate_fn=collate_for_language_modeling(data["pad_token_id"]))
    per_input_token, total_loss, total_length = evaluate_perplexity(AsHF(load_gpt2(folder)), loader)
    predicted = sum(int((batch["labels"][..., 1:] != IGNORE_INDEX).sum()) for batch in loader)
    return {
        "per_input_token": per_input_token,
        "per_predicted_token": torch.exp(torch.tensor(total_loss / predicted)).item(),
        "total_loss": total_loss,
        "input_tokens": total_length,
        "predicted_tokens": predicted,
    }


def batch_of(data):
    return {"input_ids": torch.tensor(data["input_ids"]), "attention_mask": torch.tensor(data["attention_mask"])}


def loss(folder, data):
    batch = batch_of(data)
    with torch.no_grad():
        return {"loss": load_gpt2(folder).loss(batch["input_ids"], labels_of(data, batch), batch["attention_mask"]).item()}


def step(folder, data):
    model = load_gpt2(folder)
    model.train()
    batch = batch_of(data)
    labels = labels_of(data, batch)
    optimizer = torch.optim.AdamW(model.parameters(), lr=data["lr"], betas=tuple(data["betas"]), eps=data["eps"], weight_decay=0.0)
    before = model.loss(batch["input_ids"], labels, batch["attention_mask"])
    before.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), data["max_grad_norm"])
    optimizer.step()
    model.eval()
    with torch.no_grad():
        after = model.loss(batch["input_ids"], labels, batch["attention_mask"])
    return {"loss_before": before.item(), "loss_after": after.item()}


if __name__ == "__main__":
    torch.set_num_threads(1)
    command, folder = sys.argv[1:3]
    result = {"perplexity": perplexity, "step": step, "loss": loss}[command](folder, json.load(sys.stdin))
    json.dump(result, sys.stdout)
