"""A tiny DDP training script for checking launches end to end (CPU or GPU).

torchrun sets RANK, WORLD_SIZE, LOCAL_RANK and the rendezvous; this script trains a
linear model for a few steps with gloo (CPU) or nccl (GPU) and prints one line per rank.
"""
import os
import socket

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


def main() -> None:
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend=backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0))) if backend == "nccl" else torch.device("cpu")
    torch.manual_seed(0)
    model = DistributedDataParallel(torch.nn.Linear(16, 1).to(device))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(5):
        x = torch.randn(32, 16, device=device)
        loss = ((model(x) - x.sum(dim=1, keepdim=True)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()  # DDP all-reduces the gradients here
        optimizer.step()
    # The all-reduced weights must agree on every rank.
    weights = model.module.weight.detach().clone()
    gathered = [torch.zeros_like(weights) for _ in range(world)]
    dist.all_gather(gathered, weights)
    same = all(torch.equal(g, gathered[0]) for g in gathered)
    print(f"stackplan-smoke rank {rank}/{world} on {socket.gethostname()} backend {backend} "
          f"loss {loss.item():.4f} weights-agree {same}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
