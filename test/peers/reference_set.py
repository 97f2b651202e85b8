# The outputs of a reference set (test/fixtures/hf-reference's JSON files) computed by the plain-PyTorch models of
# torch_gpt2.py and torch_lstm.py from the set's own inputs: model files, prompt ids, batch, optimizer and LoRA
# settings. make_reference_set.py writes a new set with these functions; `replay` recomputes an existing set, so a
# test can compare what transformers and peft wrote with what this code gives.
#
#   python3 reference_set.py replay FOLDER    prints {forward, train, lora, lstm} as JSON, shaped as the set's files
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_gpt2 import generate_greedy, load_gpt2, load_lora, lora_state, merge_lora  # noqa: E402
from torch_lstm import adam_losses, load_lstm  # noqa: E402

FIRST = 64  # the `last_logits_first64` entries the files keep of the last position's logits
TOP = 5


@torch.no_grad()
def forward_case(model, prompt, ids, new_tokens):
    """One entry of tiny-gpt2-forward.json's `cases` (`greedy_20`: the prompt and what greedy generate adds)."""
    x = torch.tensor([ids])
    logits = model(x)[0]  # (T, V)
    log_probs = F.log_softmax(logits, dim=-1)
    return {
        "prompt": prompt,
        "ids": list(ids),
        "loss": model.loss(x).item(),
        "last_logits_first64": logits[-1, :FIRST].tolist(),
        "last_logits_top5": torch.topk(logits[-1], TOP).indices.tolist(),
        "logit_sum_per_pos": logits.sum(-1).tolist(),
        "next_token_logprob": log_probs[:-1].gather(1, x[0, 1:, None])[:, 0].tolist(),
        "greedy_20": generate_greedy(model, ids, new_tokens, model.config.get("eos_token_id")),
    }


def adamw(params, o):
    """torch.optim.AdamW with a fixture's settings (`betas` absent: torch's default)."""
    return torch.optim.AdamW(params, lr=o["lr"], betas=tuple(o.get("betas", (0.9, 0.999))), eps=o["eps"], weight_decay=o["weight_decay"])


def train_losses(model, params, batch, optimizer, steps):
    """The loss before each of `steps` steps on the batch (labels = ids) and after the last: steps + 1 values."""
    model.train()
    ids = torch.tensor(batch)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = model.loss(ids)
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        losses.append(model.loss(ids).item())
    return losses


@torch.no_grad()
def after_training(model, ids):
    """tiny-gpt2-lora.json's `after_step3`: logits of one prompt with the adapter, and merge_and_unload's effect."""
    logits = model(torch.tensor([ids]))[0]
    merged = merge_lora(model)(torch.tensor([ids]))[0]
    return {
        "ids": list(ids),
        "last_logits_first64": logits[-1, :FIRST].tolist(),
        "logit_sum_per_pos": logits.sum(-1).tolist(),
        "merged_max_abs_diff": (merged - logits).abs().max().item(),
    }


def replay(folder):
    """Every output of the set at `folder`, recomputed from its inputs."""
    path = lambda *names: os.path.join(folder, *names)  # noqa: E731
    read = lambda name: json.load(open(path(name)))  # noqa: E731
    base = path("tiny-gpt2")
    out = {}

    cases = read("tiny-gpt2-forward.json")["cases"]
    model = load_gpt2(base)
    out["forward"] = [forward_case(model, c["prompt"], c["ids"], len(c["greedy_20"]) - len(c["ids"])) for c in cases]
    hub = load_gpt2(path("tiny-gpt2-hub-layout"))
    out["hub_layout_equal"] = all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), hub.state_dict().values()))

    train = read("tiny-gpt2-train.json")
    model = load_gpt2(base)
    out["train"] = {"losses": train_losses(model, list(model.parameters()), train["batch"], adamw(model.parameters(), train["optimizer"]), len(train["losses"]) - 1)}

    lora = read("tiny-gpt2-lora.json")
    model = load_gpt2(base)
    load_lora(model, path("tiny-gpt2-lora-init"))
    params = [p for p in model.parameters() if p.requires_grad]
    losses = train_losses(model, params, read(lora["batch_from"])["batch"], adamw(params, lora["optimizer"]), len(lora["losses"]) - 1)
    adapter = {name: t.flatten().tolist() for name, t in lora_state(model).items()}
    out["lora"] = {"losses": losses, "adapter": adapter, "after_step3": after_training(model.eval(), lora["after_step3"]["ids"])}

    out["lstm"] = []
    for c in read("lstm.json"):
        model = load_lstm(path(c["name"] + ".safetensors"), c)
        ids, lengths, labels = torch.tensor(c["ids"]), torch.tensor(c["length"]), torch.tensor(c["labels"])
        with torch.no_grad():
            logits = model(ids, lengths).tolist()
        out["lstm"].append({"name": c["name"], "logits": logits, "losses": adam_losses(model, ids, lengths, labels, c["optimizer"], len(c["losses"]) - 1)})
    return out


if __name__ == "__main__":
    assert sys.argv[1:2] == ["replay"] and len(sys.argv) == 3, "usage: reference_set.py replay FOLDER"
    torch.set_num_threads(1)
    json.dump(replay(sys.argv[2]), sys.stdout)
