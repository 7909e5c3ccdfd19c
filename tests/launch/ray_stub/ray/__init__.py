"""A stand-in for the parts of Ray that ray_train.py uses, for a machine without Ray (no Ray wheel
is installable offline on CI). It reproduces what Ray Train does before a worker's function runs,
as ray/train/torch/config.py does it (_TorchBackend.on_start, _set_torch_distributed_env_vars):
torchrun's variables set, the default process group opened, the job's working directory on the
path. Like Ray Train it starts the function in another directory (the run's), in a thread, and closes
the default group after it (ray/train/v2/_internal/execution/worker_group/thread_runner.py,
ray/train/torch/config.py _shutdown_torch)."""
