"""ray.train's configuration classes, holding what ray_train.py passes."""


class ScalingConfig:
    def __init__(self, num_workers=1, use_gpu=False, **kwargs):
        self.num_workers = num_workers
        self.use_gpu = use_gpu


class RunConfig:
    def __init__(self, name=None, **kwargs):
        self.name = name
