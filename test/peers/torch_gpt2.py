# GPT-2 in plain PyTorch, written from transformers' GPT2LMHeadModel and peft's LoRA without importing either, so
# that the tests have a second reference beside the fixtures those libraries made. It reads and writes
# save_pretrained folders (config.json + model.safetensors, parsed here: 8-byte little-endian header length, JSON
# header, raw bytes) and peft adapter folders.
#
#   from torch_gpt2 import load_gpt2
#   model = load_gpt2("tiny-gpt2")               # eval mode; model.config is config.json's dict
#   logits = model(ids, attention_mask)          # ids (B, T) long → (B, T, V)
#   loss = model.loss(ids, labels, attention_mask)  # HF's shifted cross-entropy, -100 ignored, mean over counted
#   python3 torch_gpt2.py loss FOLDER < batch.json  # the same from the command line (see main)
#
# Shapes: B batch, T positions, C n_embd, nh heads, hs = C / nh, V vocab.
import json
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

IGNORE_INDEX = -100
PEFT_PREFIX = "base_model.model."
DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32}


# --- safetensors -------------------------------------------------------------------------------------------------

def read_safetensors(path):
    """(tensors by name, metadata) of a safetensors file."""
    raw = open(path, "rb").read()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    data = raw[8 + size :]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        flat = torch.frombuffer(bytearray(data[start:end]), dtype=DTYPES[info["dtype"]]) if end > start else torch.empty(0, dtype=DTYPES[info["dtype"]])
        tensors[name] = flat.reshape(info["shape"])
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """As the safetensors library writes f32 tensors: sorted by name, compact JSON header padded with spaces to 8."""
    header = {} if metadata is None else {"__metadata__": metadata}
    blobs, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        blob = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for blob in blobs:
            f.write(blob)


# --- the model ---------------------------------------------------------------------------------------------------

class Conv1D(nn.Module):
    """transformers' Conv1D: a linear layer with the weight stored [in, out]."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        out = torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight)
        return out.reshape(*x.shape[:-1], self.weight.shape[1])


class LoraConv1D(nn.Module):
    """peft's lora.Linear around a Conv1D (fan_in_fan_out): y = base(x) + lora_B(lora_A(dropout(x))) * alpha / r."""

    def __init__(self, base, r, alpha, dropout):
        super().__init__()
        n_in, n_out = base.weight.shape
        self.base_layer = base
        self.lora_A = nn.Linear(n_in, r, bias=False)  # weight [r, in]
        self.lora_B = nn.Linear(r, n_out, bias=False)  # weight [out, r]
        self.lora_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.scaling = alpha / r
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))  # peft's default init: U(±1/sqrt(in))
        nn.init.zeros_(self.lora_B.weight)

    def forward(self, x):
        return self.base_layer(x) + self.lora_B(self.lora_A(self.lora_dropout(x))) * self.scaling

    def merged(self):
        """The Conv1D with W [in, out] += (B @ A)^T * scaling, as merge_and_unload."""
        with torch.no_grad():
            self.base_layer.weight += (self.lora_B.weight @ self.lora_A.weight).T * self.scaling
        return self.base_layer


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head = c["n_head"]
        self.c_attn = Conv1D(c["n_embd"], 3 * c["n_embd"])
        self.c_proj = Conv1D(c["n_embd"], c["n_embd"])
        self.attn_dropout = nn.Dropout(c["attn_pdrop"])
        self.resid_dropout = nn.Dropout(c["resid_pdrop"])

    def forward(self, x, bias):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.reshape(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))  # (B, nh, T, hs)
        w = torch.matmul(q, k.transpose(-1, -2)) / torch.full([], v.shape[-1] ** 0.5, dtype=q.dtype)
        w = self.attn_dropout(F.softmax(w + bias, dim=-1))
        y = torch.matmul(w, v).transpose(1, 2).reshape(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class Mlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        inner = c.get("n_inner") or 4 * c["n_embd"]
        self.c_fc = Conv1D(c["n_embd"], inner)
        self.c_proj = Conv1D(inner, c["n_embd"])
        self.dropout = nn.Dropout(c["resid_pdrop"])

    def forward(self, x):
        return self.dropout(self.c_proj(gelu_new(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        eps = c["layer_norm_epsilon"]
        self.ln_1 = nn.LayerNorm(c["n_embd"], eps=eps)
        self.attn = Attention(c)
        self.ln_2 = nn.LayerNorm(c["n_embd"], eps=eps)
        self.mlp = Mlp(c)

    def forward(self, x, bias):
        x = x + self.attn(self.ln_1(x), bias)
        return x + self.mlp(self.ln_2(x))


class GPT2(nn.Module):
    """GPT2LMHeadModel: parameter names are save_pretrained's (`transformer.h.0.attn.c_attn.weight`); the head is wte."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        c = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocab_size"], c["n_embd"]),
            wpe=nn.Embedding(c["n_positions"], c["n_embd"]),
            drop=nn.Dropout(c["embd_pdrop"]),
            h=nn.ModuleList(Block(c) for _ in range(c["n_layer"])),
            ln_f=nn.LayerNorm(c["n_embd"], eps=c["layer_norm_epsilon"]),
        ))

    def forward(self, ids, attention_mask=None):
        """ids (B, T) → logits (B, T, V); attention_mask (B, T), 1 = attend, 0 = padding (a key no query sees)."""
        B, T = ids.shape
        assert T <= self.config["n_positions"], f"{T} positions exceed n_positions {self.config['n_positions']}"
        t = self.transformer
        x = t.drop(t.wte(ids) + t.wpe(torch.arange(T)))
        # As transformers' eager attention: a future key gets finfo.min, and a padding key finfo.min more (on top of
        # its score, or -inf on top of a future key's), so a query whose every visible key is padding (a row of
        # padding only) attends uniformly over its causal window.
        lowest = torch.finfo(torch.float32).min
        causal = torch.tril(torch.ones(T, T, dtype=torch.bool)).view(1, 1, T, T)
        bias = torch.zeros(1, 1, T, T).masked_fill(~causal, lowest)  # (1, 1, T, T)
        if attention_mask is not None:
            bias = bias + (1.0 - attention_mask.float()).view(B, 1, 1, T) * lowest  # (B, 1, T, T)
        for block in t.h:
            x = block(x, bias)
        return F.linear(t.ln_f(x), t.wte.weight)

    def loss(self, ids, labels=None, attention_mask=None):
        """HF's ForCausalLMLoss: position t predicts labels[t + 1]; -100 ignored; mean over the counted tokens."""
        return causal_lm_loss(self(ids, attention_mask), ids if labels is None else labels)


def causal_lm_loss(logits, labels):
    shifted = F.pad(labels, (0, 1), value=IGNORE_INDEX)[..., 1:]
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), shifted.reshape(-1), ignore_index=IGNORE_INDEX)


# --- checkpoints -------------------------------------------------------------------------------------------------

MASK_BUFFER = (".attn.bias", ".attn.masked_bias")


def load_gpt2(folder):
    """A save_pretrained folder (or the public checkpoint's bare keys with attn.bias buffers), in eval mode."""
    config = json.load(open(os.path.join(folder, "config.json")))
    model = GPT2(config)
    tensors, _ = read_safetensors(os.path.join(folder, "model.safetensors"))
    state = {}
    for name, t in tensors.items():
        name = name if name.startswith(("transformer.", "lm_head.")) else "transformer." + name
        if name.endswith(MASK_BUFFER):
            continue
        if name == "lm_head.weight":
            assert torch.equal(t, tensors.get("transformer.wte.weight", t)), "lm_head.weight is not tied to wte"
            continue
        state[name] = t
    model.load_state_dict(state, strict=True)
    return model.eval()


def init_gpt2(config, seed):
    """A GPT2LMHeadModel with HF's init: N(0, initializer_range), c_proj weights / sqrt(2 n_layer), zero biases,
    LayerNorm ones and zeros."""
    torch.manual_seed(seed)
    model = GPT2(config)
    std = config["initializer_range"]
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".ln_" in name or name.startswith("transformer.ln_f"):
                p.fill_(1.0 if name.endswith("weight") else 0.0)
            elif name.endswith("bias"):
                p.zero_()
            else:
                p.normal_(0.0, std / math.sqrt(2 * config["n_layer"]) if name.endswith("c_proj.weight") else std)
    return model.eval()


def save_pretrained(model, folder):
    """model.safetensors in save_pretrained's layout (transformer.* keys, lm_head not stored) and config.json."""
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "model.safetensors"), base_state(model), {"format": "pt"})
    with open(os.path.join(folder, "config.json"), "w") as f:
        f.write(json.dumps(model.config, indent=2, sort_keys=True) + "\n")


def base_state(model):
    """The base weights under their plain names, LoRA wrappers seen through."""
    return {name.replace(".base_layer.", "."): p.detach().clone() for name, p in model.named_parameters() if ".lora_" not in name}


# --- LoRA (peft semantics) ---------------------------------------------------------------------------------------

def lora_modules(model):
    """Module name → LoraConv1D for every adapted module, in model order."""
    return {name: m for name, m in model.named_modules() if isinstance(m, LoraConv1D)}


def add_lora(model, r, alpha, target_modules, dropout=0.0, seed=None):
    """get_peft_model: wraps every Conv1D whose name is a target or ends with "." + target; freezes the base."""
    if seed is not None:
        torch.manual_seed(seed)
    for p in model.parameters():
        p.requires_grad_(False)
    targets = [name for name, m in model.named_modules() if isinstance(m, Conv1D) and any(name == t or name.endswith("." + t) for t in target_modules)]
    assert targets, f"target_modules {target_modules} match no Conv1D"
    for name in targets:
        parent, leaf = name.rsplit(".", 1)
        setattr(model.get_submodule(parent), leaf, LoraConv1D(model.get_submodule(name), r, alpha, dropout))
    model.lora = {"r": r, "alpha": alpha, "dropout": dropout, "target_modules": list(target_modules)}
    return [p for m in lora_modules(model).values() for p in (m.lora_A.weight, m.lora_B.weight)]


def lora_state(model):
    """peft's saved names: base_model.model.<module>.lora_A.weight [r, in], ...lora_B.weight [out, r]."""
    out = {}
    for name, m in lora_modules(model).items():
        out[f"{PEFT_PREFIX}{name}.lora_A.weight"] = m.lora_A.weight.detach().clone()
        out[f"{PEFT_PREFIX}{name}.lora_B.weight"] = m.lora_B.weight.detach().clone()
    return out


def load_lora(model, folder):
    """Attaches a peft adapter folder (adapter_config.json + adapter_model.safetensors); every key must match."""
    config = json.load(open(os.path.join(folder, "adapter_config.json")))
    assert config["peft_type"] == "LORA" and not config.get("use_rslora") and not config.get("use_dora"), config
    add_lora(model, config["r"], config["lora_alpha"], config["target_modules"], config["lora_dropout"])
    tensors, _ = read_safetensors(os.path.join(folder, "adapter_model.safetensors"))
    expected = lora_state(model)
    assert sorted(tensors) == sorted(expected), f"adapter keys {sorted(tensors)} vs modules {sorted(expected)}"
    modules = lora_modules(model)
    with torch.no_grad():
        for key, t in tensors.items():
            module, which = key[len(PEFT_PREFIX) :].rsplit(".lora_", 1)
            getattr(modules[module], "lora_" + which[0]).weight.copy_(t)
    return config


def merge_lora(model):
    """merge_and_unload: folds every adapter into its Conv1D and removes it."""
    for name, m in lora_modules(model).items():
        parent, leaf = name.rsplit(".", 1)
        setattr(model.get_submodule(parent), leaf, m.merged())
    for p in model.parameters():
        p.requires_grad_(True)
    return model


# --- generation --------------------------------------------------------------------------------------------------

@torch.no_grad()
def generate_greedy(model, ids, max_new_tokens, eos_token_id=None):
    """HF greedy `generate`: argmax of the last position, stopping after eos (kept); prompt + new ids."""
    out = list(ids)
    for _ in range(max_new_tokens):
        logits = model(torch.tensor([out]))[0, -1]
        out.append(int(torch.argmax(logits)))
        if out[-1] == eos_token_id:
            break
    return out


# --- command line ------------------------------------------------------------------------------------------------

def main(argv):
    """torch_gpt2.py loss FOLDER < {"ids": [[...]], "labels"?: [[...]], "attention_mask"?: [[...]]}
    prints {"loss": HF's loss, "tokens": the labels it counted}."""
    assert len(argv) == 2 and argv[0] == "loss", main.__doc__
    batch = json.load(sys.stdin)
    ids = torch.tensor(batch["ids"])
    labels = torch.tensor(batch.get("labels") or batch["ids"])
    mask = torch.tensor(batch["attention_mask"]) if batch.get("attention_mask") else None
    with torch.no_grad():
        loss = load_gpt2(argv[1]).loss(ids, labels, mask).item()
    json.dump({"loss": loss, "tokens": int((labels[:, 1:] != IGNORE_INDEX).sum())}, sys.stdout)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main(sys.argv[1:])
