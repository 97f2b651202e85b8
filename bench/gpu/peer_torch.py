"""PyTorch side of bench/gpu/side-by-side.ts: the same workloads, on CUDA when there is one (fp32, TF32 off),
else on the CPU. Prints one JSON line: {"device": ..., "gpt2": "transformers x.y" | "built-in", "rates": {mode: n}}.
Rates are tokens/s for the GPT-2 modes and samples/s for the LSTM modes; a mode that fails gives its error instead.

GPT-2 is Hugging Face's GPT2LMHeadModel (random init, dropout 0.1, train mode) with AdamW and clipping at 1; LoRA is
peft's (r 64, alpha 16, dropout 0.1, c_attn), as the homework. Without transformers/peft (e.g. Debian's torch on a
CPU machine) a built-in GPT-2 of the same architecture stands in, so the harness can be checked anywhere.
The LSTM is lab 1's classifier over packed sequences (cuDNN on the GPU), Adam.

The matmul mode times one fp32 product per shape given by --matmul (GFLOP/s, keys 'matmul MxKxN').

usage: python3 peer_torch.py --modes gpt2-full,gpt2-lora,gpt2-eval,lstm-uni,lstm-bi,matmul --gpt2 L,H,C,B,T
       --lstm B,T,E,H [--matmul MxKxNxT;…] [--steps N] [--threads N]
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB = 50257
LSTM_VOCAB = 20000


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize()


def timed(step, steps, device):
    """Seconds per call of step() after one warm-up; no host sync inside the timed loop."""
    step()
    sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    sync(device)
    return (time.perf_counter() - start) / steps


def attention(q, k, v, p):
    """Causal attention: torch's fused kernel (2.0+), else the plain composition (Debian's 1.13)."""
    if hasattr(F, 'scaled_dot_product_attention'):
        return F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
    T = q.shape[-2]
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1), float('-inf'))
    return F.dropout(scores.softmax(-1), p, p > 0) @ v


class BuiltinBlock(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.C, self.H = C, H
        self.ln_1, self.ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.c_attn, self.c_proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.c_fc, self.mlp_proj = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.H, C // self.H).transpose(1, 2) for t in (q, k, v))
        y = attention(q, k, v, 0.1 if self.training else 0.0)
        x = x + F.dropout(self.c_proj(y.transpose(1, 2).reshape(B, T, C)), 0.1, self.training)
        return x + F.dropout(self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate='tanh')), 0.1, self.training)


class BuiltinGpt2(nn.Module):
    def __init__(self, L, H, C, T):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(VOCAB, C), nn.Embedding(T, C)
        self.h = nn.ModuleList(BuiltinBlock(C, H) for _ in range(L))
        self.ln_f = nn.LayerNorm(C)

    def forward(self, ids):
        T = ids.shape[1]
        x = F.dropout(self.wte(ids) + self.wpe(torch.arange(T, device=ids.device)), 0.1, self.training)
        for block in self.h:
            x = block(x)
        logits = self.ln_f(x) @ self.wte.weight.t()
        return F.cross_entropy(logits[:, :-1].reshape(-1, VOCAB), ids[:, 1:].reshape(-1))


class BuiltinLora(nn.Module):
    """x → base(x) + dropout(x) Aᵀ Bᵀ · alpha/r, as peft's Linear LoRA."""

    def __init__(self, base, r=64, alpha=16, dropout=0.1):
        super().__init__()
        self.base = base
        self.A = nn.Parameter(torch.empty(r, base.in_features, device=base.weight.device))
        nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))
        self.B = nn.Parameter(torch.zeros(base.out_features, r, device=base.weight.device))
        self.scale, self.dropout = alpha / r, dropout

    def forward(self, x):
        return self.base(x) + (F.dropout(x, self.dropout, self.training) @ self.A.t() @ self.B.t()) * self.scale


def gpt2_model(args, device, lora):
    """(model, loss_of(ids), which implementation)."""
    L, H, C, B, T = args.gpt2
    try:
        import transformers
        from transformers import GPT2Config, GPT2LMHeadModel
        config = GPT2Config(n_layer=L, n_head=H, n_embd=C, n_positions=max(T, 1024))
        model = GPT2LMHeadModel(config).to(device)
        which = f'transformers {transformers.__version__}'
        if lora:
            from peft import LoraConfig, get_peft_model
            model = get_peft_model(model, LoraConfig(r=64, lora_alpha=16, lora_dropout=0.1, target_modules=['c_attn'], fan_in_fan_out=True, task_type='CAUSAL_LM'))
            which += ' + peft'
        return model, lambda ids: model(input_ids=ids, labels=ids).loss, which
    except ImportError:
        model = BuiltinGpt2(L, H, C, T).to(device)
        if lora:
            for p in model.parameters():
                p.requires_grad_(False)
            for block in model.h:
                block.c_attn = BuiltinLora(block.c_attn)
        return model, model, 'built-in'


def gpt2_rate(args, device, mode):
    L, H, C, B, T = args.gpt2
    torch.manual_seed(0)
    model, loss_of, which = gpt2_model(args, device, mode == 'gpt2-lora')
    ids = torch.randint(0, VOCAB, (B, T), device=device)
    if mode == 'gpt2-eval':
        model.eval()

        def step():
            with torch.no_grad():
                loss_of(ids)
    else:
        model.train()
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)

        def step():
            opt.zero_grad(set_to_none=True)
            loss_of(ids).backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
    return B * T / timed(step, args.steps, device), which


class LstmClassifier(nn.Module):
    def __init__(self, E, H, bidirectional):
        super().__init__()
        self.embedding = nn.Embedding(LSTM_VOCAB, E, padding_idx=0)
        self.lstm = nn.LSTM(E, H, batch_first=True, bidirectional=bidirectional)
        self.fc = nn.Linear(H * (2 if bidirectional else 1), 2)
        self.bidirectional = bidirectional

    def forward(self, ids, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(ids), lengths, batch_first=True, enforce_sorted=False)
        _, (hidden, _) = self.lstm(packed)
        return self.fc(torch.cat((hidden[-2], hidden[-1]), dim=1) if self.bidirectional else hidden[-1])


def lstm_rate(args, device, mode):
    B, T, E, H = args.lstm
    torch.manual_seed(0)
    model = LstmClassifier(E, H, mode == 'lstm-bi').to(device).train()
    ids = torch.randint(1, LSTM_VOCAB, (B, T), device=device)
    lengths = torch.full((B,), T, dtype=torch.int64)  # on the CPU, as pack_padded_sequence wants
    labels = torch.randint(0, 2, (B,), device=device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(ids, lengths), labels).backward()
        opt.step()
    return B / timed(step, args.steps, device)


def matmul_rates(args, device):
    """GFLOP/s of one fp32 product per shape (cuBLAS with TF32 off on CUDA), keyed 'matmul MxKxN'."""
    rates = {}
    for spec in args.matmul.split(';'):
        M, K, N, tb = (int(v) for v in spec.split('x'))
        key = f'matmul {M}x{K}x{N}'
        try:
            a = torch.rand(M, K, device=device) * 2 - 1
            b = torch.rand((N, K) if tb else (K, N), device=device) * 2 - 1
            seconds = timed(lambda: a @ (b.t() if tb else b), args.steps, device)
            rates[key] = 2 * M * N * K / seconds / 1e9
            del a, b
        except Exception as error:  # e.g. out of memory on a small GPU: the other shapes still count
            rates[key] = f'{type(error).__name__}: {error}'
    return rates


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--modes', default='gpt2-full,gpt2-lora,gpt2-eval,lstm-uni,lstm-bi')
    p.add_argument('--gpt2', default='12,12,768,4,1024')
    p.add_argument('--lstm', default='96,256,128,128')
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--matmul', default='1024x1024x1024x0', help='for mode matmul: MxKxNxT;… (T 1: B is [N, K])')
    p.add_argument('--threads', type=int, default=0)
    args = p.parse_args()
    args.gpt2 = [int(v) for v in args.gpt2.split(',')]
    args.lstm = [int(v) for v in args.lstm.split(',')]
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32, as tfpipe's WebGPU path
    torch.backends.cudnn.allow_tf32 = False
    rates, gpt2_impl = {}, None
    for mode in args.modes.split(','):
        try:
            if mode == 'matmul':
                rates.update(matmul_rates(args, device))
            elif mode.startswith('gpt2-'):
                rates[mode], gpt2_impl = gpt2_rate(args, device, mode)
            else:
                rates[mode] = lstm_rate(args, device, mode)
        except Exception as error:  # one failing mode must not hide the others' figures
            rates[mode] = f'{type(error).__name__}: {error}'
        if device.type == 'cuda':
            torch.cuda.empty_cache()
    name = torch.cuda.get_device_name(0) if device.type == 'cuda' else f'cpu ({torch.get_num_threads()} threads)'
    print(json.dumps({'device': f'{name}, torch {torch.__version__}', 'gpt2': gpt2_impl, 'rates': rates}))


if __name__ == '__main__':
    main()
