# The learning rate of each optimizer step as the Trainer sets it: torch's LambdaLR with transformers'
# get_linear_schedule_with_warmup lambda, copied verbatim from transformers/optimization.py. Usage:
# lr_schedule.py < {"lr", "warmup", "total"}; prints the lr of steps 0 .. total-1 as JSON.
import json
import sys
from functools import partial

import torch


def _get_linear_schedule_with_warmup_lr_lambda(current_step: int, *, num_warmup_steps: int, num_training_steps: int):
    if current_step < num_warmup_steps:
        return float(current_step) / float(max(1, num_warmup_steps))
    return max(0.0, float(num_training_steps - current_step) / float(max(1, num_training_steps - num_warmup_steps)))


def get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, last_epoch=-1):
    lr_lambda = partial(
        _get_linear_schedule_with_warmup_lr_lambda,
        num_warmup_steps=num_warmup_steps,
        num_training_steps=num_training_steps,
    )
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda, last_epoch)


args = json.load(sys.stdin)
optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=args["lr"])
scheduler = get_linear_schedule_with_warmup(optimizer, args["warmup"], args["total"])
lrs = []
for step in range(args["total"]):
    lrs.append(optimizer.param_groups[0]["lr"])  # the lr optimizer.step() uses at this step
    optimizer.step()
    scheduler.step()
json.dump(lrs, sys.stdout)
