# Peer for bench/gpt2-train.ts: a GPT-2 (nanoGPT-style, HF's architecture: pre-LN blocks, gelu_new, tied head)
# trained with AdamW in PyTorch on CPU, full fine-tuning or LoRA (r 8 on c_attn, base frozen), dropout 0.1.
# Prints one JSON line: {"full": tokens/s, "lora": tokens/s}; with --profile instead torch.profiler's per-op table
# (CPU, self time) of STEPS steps of each, for bench/gpt2-profile.ts.
# usage: python3 bench/peers/gpt2_train.py N_LAYER N_HEAD N_EMBD BATCH BLOCK STEPS THREADS [--profile]
import json, math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

L, H, C, B, T, STEPS, THREADS = map(int, sys.argv[1:8])
V = 50257
torch.set_num_threads(THREADS)
torch.manual_seed(0)

class Lora(nn.Module):
    def __init__(self, fan_in, fan_out, r=8, alpha=8):
        super().__init__()
        self.A = nn.Parameter(torch.empty(r, fan_in).uniform_(-1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in)))
        self.B = nn.Parameter(torch.zeros(fan_out, r))
        self.scale = alpha / r
    def forward(self, x):
        return (x @ self.A.t() @ self.B.t()) * self.scale

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.c_attn, self.c_proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.c_fc, self.mlp_proj = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)
        self.lora = None
    def forward(self, x):
        h = self.ln_1(x)
        qkv = self.c_attn(h) + (self.lora(h) if self.lora is not None else 0)
        q, k, v = qkv.split(C, dim=2)
        q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(C // H)
        scores = scores.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float('-inf'))
        y = F.dropout(scores.softmax(-1), 0.1, self.training) @ v
        x = x + F.dropout(self.c_proj(y.transpose(1, 2).reshape(B, T, C)), 0.1, self.training)
        return x + F.dropout(self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate='tanh')), 0.1, self.training)

class Gpt2(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
        self.h = nn.ModuleList(Block() for _ in range(L))
        self.ln_f = nn.LayerNorm(C)
    def forward(self, ids):
        x = F.dropout(self.wte(ids) + self.wpe(torch.arange(T)), 0.1, self.training)
        for block in self.h:
            x = block(x)
        logits = self.ln_f(x) @ self.wte.weight.t()
        return F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))

def make_step(lora):
    model = Gpt2().train()
    if lora:
        for p in model.parameters():
            p.requires_grad_(False)
        for block in model.h:
            block.lora = Lora(C, 3 * C)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4, weight_decay=0)
    ids = torch.randint(0, V, (B, T))
    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(ids)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        opt.step()
    return step

def rate(lora):
    step = make_step(lora)
    step()  # warm-up
    start = time.perf_counter()
    for _ in range(STEPS):
        step()
    return B * T * STEPS / (time.perf_counter() - start)

def profile(lora):
    from torch.profiler import profile as torch_profile, ProfilerActivity
    step = make_step(lora)
    step()  # warm-up
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        for _ in range(STEPS):
            step()
        elapsed = time.perf_counter() - start
    print(f"PyTorch {'lora' if lora else 'full'}: {1000 * elapsed / STEPS:.1f} ms/step under the profiler "
          f"({B * T * STEPS / elapsed:.0f} tokens/s); self CPU time of {STEPS} steps:")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=14))

if "--profile" in sys.argv[8:]:
    profile(False)
    profile(True)
else:
    print(json.dumps({"full": rate(False), "lora": rate(True)}))
