"""TorchTrainer: num_workers processes on this host, each set up as Ray Train sets up a worker."""
import multiprocessing
import os
import socket
import sys
import tempfile
import threading


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(fn, config, rank, world, port, working_dir):
    import torch.distributed as dist

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), LOCAL_RANK=str(rank),
                      WORLD_SIZE=str(world), LOCAL_WORLD_SIZE=str(world), NODE_RANK="0")
    sys.path.append(working_dir)  # Ray's runtime_env working_dir is on the workers' path
    os.chdir(tempfile.mkdtemp(prefix="trial-"))
    dist.init_process_group(backend="gloo", init_method="env://", rank=rank, world_size=world)
    # Ray Train V2 runs the function in a thread that takes any exception, SystemExit included, for a
    # failure (thread_runner.py), then closes the default group when there are several workers.
    failure = []

    def target():
        try:
            fn(config)
        except BaseException as e:
            failure.append(e)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    if world > 1:  # Ray shuts the group down once every worker's function has returned
        dist.barrier()
        dist.destroy_process_group()


class TorchTrainer:
    def __init__(self, fn, train_loop_config=None, scaling_config=None, run_config=None):
        self.fn, self.config, self.scaling = fn, train_loop_config or {}, scaling_config

    def fit(self):
        world, port = self.scaling.num_workers, _free_port()
        spawn = multiprocessing.get_context("spawn")
        workers = [spawn.Process(target=_worker, args=(self.fn, self.config, rank, world, port, os.getcwd()))
                   for rank in range(world)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        failed = [w.exitcode for w in workers if w.exitcode != 0]
        if failed:
            raise RuntimeError(f"{len(failed)} of {world} workers failed")
