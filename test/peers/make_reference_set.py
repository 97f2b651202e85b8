# Writes a reference set like test/fixtures/hf-reference (same files, keys and JSON shapes), made by the plain-PyTorch
# models of this folder instead of transformers and peft, with other shapes, seed and LoRA settings (SETTINGS), so
# the parity tests can show they read every property from the files: TFPIPE_HF_REFERENCE=OUT runs them on it.
#
#   python3 make_reference_set.py OUT [TEMPLATE]
#
# TEMPLATE (default: the committed set) gives the fields written as transformers and peft write them (config.json,
# generation_config.json, adapter_config.json, the forward file's config) and tokenizer.json, whose strings and
# `tokenizers` ids are the only source of prompts: a subset of its cases, reordered, becomes this set's tokenizer.json.
import json
import os
import random
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_set import adamw, after_training, forward_case, train_losses  # noqa: E402
from torch_gpt2 import add_lora, base_state, init_gpt2, load_gpt2, lora_state, save_pretrained, write_safetensors  # noqa: E402
from torch_lstm import Classifier, adam_losses  # noqa: E402

SETTINGS = {
    "seed": 2024,
    "gpt2": {"n_positions": 48, "n_embd": 48, "n_layer": 3, "n_head": 3, "n_inner": 160},
    # tokenizer.json's cases kept (by text prefix), in this order; the forward prompts are the ones marked
    "tokenizer_cases": ["Emoji", "'s 't", "   leading", "xxxx", " Senj", "Ünïcödé", " = Valkyria", "1234567890", " "],
    "prompts": ["Ünïcödé", "Emoji", "'s 't", "1234567890"],
    "greedy_new_tokens": 20,  # the `greedy_20` key names the count
    "train": {"rows": 3, "width": 24, "steps": 4, "optimizer": {"name": "adamw", "lr": 3e-3, "betas": [0.85, 0.995], "eps": 1e-7, "weight_decay": 0.02}},
    # three steps: the `tiny-gpt2-lora-step3` folder and the `after_step3` key name the count
    "lora": {"r": 2, "alpha": 7, "dropout": 0.0, "target_modules": ["c_attn", "c_proj"], "steps": 3, "optimizer": {"name": "adamw", "lr": 5e-3, "eps": 1e-8, "weight_decay": 0.01}},
    "lstm": {
        "sizes": {"vocab": 45, "embedding_dim": 6, "hidden_dim": 10, "output_dim": 3},
        "variants": [(1, True), (2, False), (3, True)],  # (n_layers, bidirectional)
        "pad_index": 1,
        "length": [6, 2, 9, 4],
        "steps": 4,
        "optimizer": {"name": "adam", "lr": 5e-3, "eps": 1e-8},
    },
}


def dump(path, value, **options):
    with open(path, "w") as f:
        json.dump(value, f, **options)


def pick(cases, prefix):
    found = [c for c in cases if c["text"] == prefix] or [c for c in cases if c["text"].startswith(prefix)]
    assert len(found) == 1, f"{len(found)} tokenizer cases start with {prefix!r}"
    return found[0]


def write_gpt2(out, template, s):
    config = {**json.load(open(os.path.join(template, "tiny-gpt2", "config.json"))), **s["gpt2"]}
    model = init_gpt2(config, s["seed"])
    folder = os.path.join(out, "tiny-gpt2")
    save_pretrained(model, folder)
    shutil.copy(os.path.join(template, "tiny-gpt2", "generation_config.json"), folder)
    # the public checkpoint's layout: bare keys, plus each block's causal-mask buffer
    hub = os.path.join(out, "tiny-gpt2-hub-layout")
    os.makedirs(hub, exist_ok=True)
    P = config["n_positions"]
    tensors = {name[len("transformer.") :]: t for name, t in base_state(model).items()}
    for i in range(config["n_layer"]):
        tensors[f"h.{i}.attn.bias"] = torch.tril(torch.ones(P, P)).view(1, 1, P, P)
    write_safetensors(os.path.join(hub, "model.safetensors"), tensors, {"format": "pt"})
    shutil.copy(os.path.join(folder, "config.json"), hub)
    return folder


def write_tokenizer(out, template, s):
    cases = json.load(open(os.path.join(template, "tokenizer.json")))
    kept = [pick(cases, prefix) for prefix in s["tokenizer_cases"]]
    dump(os.path.join(out, "tokenizer.json"), kept)
    return [pick(kept, prefix) for prefix in s["prompts"]]


def write_forward(out, template, base, prompts, s):
    model = load_gpt2(base)
    room = model.config["n_positions"] - s["greedy_new_tokens"]
    assert all(len(p["ids"]) <= room for p in prompts), f"a prompt is longer than n_positions - greedy tokens ({room})"
    config = json.load(open(os.path.join(template, "tiny-gpt2-forward.json")))["config"]
    config.update({k: v for k, v in model.config.items() if k in config})
    cases = [forward_case(model, p["text"], p["ids"], s["greedy_new_tokens"]) for p in prompts]
    dump(os.path.join(out, "tiny-gpt2-forward.json"), {"config": config, "cases": cases})
    return cases


def write_train(out, base, s):
    t = s["train"]
    vocab = load_gpt2(base).config["vocab_size"]
    batch = torch.randint(0, vocab, (t["rows"], t["width"]), generator=torch.Generator().manual_seed(s["seed"] + 1)).tolist()
    model = load_gpt2(base)
    losses = train_losses(model, list(model.parameters()), batch, adamw(model.parameters(), t["optimizer"]), t["steps"])
    dump(os.path.join(out, "tiny-gpt2-train.json"), {"batch": batch, "optimizer": t["optimizer"], "losses": losses})
    return batch


def write_adapter(folder, model, template_config, base, lora):
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "adapter_model.safetensors"), lora_state(model), {"format": "pt"})
    config = {**template_config, "base_model_name_or_path": base, "r": lora["r"], "lora_alpha": lora["alpha"], "lora_dropout": lora["dropout"], "target_modules": lora["target_modules"]}
    dump(os.path.join(folder, "adapter_config.json"), config, indent=2, sort_keys=True)
    with open(os.path.join(folder, "README.md"), "w") as f:
        f.write(f"---\nbase_model: {base}\nlibrary_name: peft\npipeline_tag: text-generation\ntags:\n- base_model:adapter:{base}\n- lora\n- transformers\n---\n\n")
        f.write("# LoRA adapter\n\nWritten in peft's format by test/peers/make_reference_set.py (plain PyTorch, not peft).\n")


def write_lora(out, template, base, batch, prompt_ids, s):
    lora = s["lora"]
    template_config = json.load(open(os.path.join(template, "tiny-gpt2-lora-init", "adapter_config.json")))
    model = load_gpt2(base)
    params = add_lora(model, lora["r"], lora["alpha"], lora["target_modules"], lora["dropout"], seed=s["seed"] + 2)
    write_adapter(os.path.join(out, "tiny-gpt2-lora-init"), model, template_config, base, lora)
    losses = train_losses(model, params, batch, adamw(params, lora["optimizer"]), lora["steps"])
    write_adapter(os.path.join(out, "tiny-gpt2-lora-step3"), model, template_config, base, lora)
    settings = {"r": lora["r"], "alpha": lora["alpha"], "dropout": lora["dropout"], "target_modules": lora["target_modules"]}
    after = after_training(model.eval(), prompt_ids)
    dump(os.path.join(out, "tiny-gpt2-lora.json"), {"lora": settings, "optimizer": lora["optimizer"], "batch_from": "tiny-gpt2-train.json", "losses": losses, "after_step3": after})


def write_lstm(out, s):
    c = s["lstm"]
    rng = random.Random(s["seed"] + 3)
    width, pad = max(c["length"]), c["pad_index"]
    real = [i for i in range(c["sizes"]["vocab"]) if i != pad]
    ids = [[rng.choice(real) for _ in range(n)] + [pad] * (width - n) for n in c["length"]]
    labels = [rng.randrange(c["sizes"]["output_dim"]) for _ in c["length"]]
    cases = []
    for k, (n_layers, bidirectional) in enumerate(c["variants"]):
        case = {"name": f"lstm-L{n_layers}-{'bi' if bidirectional else 'uni'}", **c["sizes"], "n_layers": n_layers, "bidirectional": bidirectional, "pad_index": pad}
        torch.manual_seed(s["seed"] + 10 + k)
        model = Classifier(case)
        write_safetensors(os.path.join(out, case["name"] + ".safetensors"), model.state_dict())
        x, lengths, y = torch.tensor(ids), torch.tensor(c["length"]), torch.tensor(labels)
        with torch.no_grad():
            logits = model(x, lengths).tolist()
        losses = adam_losses(model, x, lengths, y, c["optimizer"], c["steps"])
        cases.append({**case, "ids": ids, "length": c["length"], "logits": logits, "labels": labels, "optimizer": c["optimizer"], "losses": losses})
    dump(os.path.join(out, "lstm.json"), cases)


def write_provenance(out, s):
    with open(os.path.join(out, "PROVENANCE.md"), "w") as f:
        f.write("# A second reference set\n\n")
        f.write(f"Written by test/peers/make_reference_set.py with PyTorch {torch.__version__} on CPU in fp32: the plain-PyTorch GPT-2, LoRA and\n")
        f.write("LSTM of test/peers (no transformers, no peft), in the layout of test/fixtures/hf-reference; tokenizer.json is a\n")
        f.write("subset of that set's `tokenizers` ids. Settings:\n\n```json\n" + json.dumps(s, indent=1) + "\n```\n")


def main(out, template):
    torch.set_num_threads(1)
    s = SETTINGS
    os.makedirs(out, exist_ok=True)
    base = write_gpt2(out, template, s)
    prompts = write_tokenizer(out, template, s)
    cases = write_forward(out, template, base, prompts, s)
    batch = write_train(out, base, s)
    write_lora(out, template, base, batch, cases[0]["ids"], s)
    write_lstm(out, s)
    write_provenance(out, s)


if __name__ == "__main__":
    assert len(sys.argv) in (2, 3), "usage: make_reference_set.py OUT [TEMPLATE]"
    here = os.path.dirname(os.path.abspath(__file__))
    main(os.path.abspath(sys.argv[1]), sys.argv[2] if len(sys.argv) == 3 else os.path.join(here, "..", "fixtures", "hf-reference"))
