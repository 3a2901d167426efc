"""Train a Feedforward Studio project with PyTorch, on one process or many (DistributedDataParallel).

    python train.py --out OUT                             # one process (on a GPU when CUDA is available)
    torchrun --nproc_per_node 2 train.py --out OUT        # two processes (gloo on CPU, NCCL with CUDA)

Same network (``model.py``), data and split (``data.py``), loss, optimizer, learning-rate schedule (stepped
once per epoch), epochs, seed and early stopping as the app. The batch size is per process: with N
processes one optimizer step sees N x BATCH_SIZE rows (``--batch-size`` changes it); DistributedSampler
gives each process its share of every epoch (padding the last share with a few repeated rows). Every
process evaluates the whole test split after each epoch, so early stopping decides alike everywhere.

``--out OUT`` writes OUT/weights.npz and OUT/project.json as ``ffstudio train --out OUT`` does, so
``ffstudio predict OUT/project.json`` and the app open the result. Needs NumPy and PyTorch only.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import data  # noqa: E402
import model as net  # noqa: E402

SETTINGS = data.SETTINGS


def init_weights(module: torch.nn.Sequential, seed: int) -> None:
    """Draw the kernels and biases with the project's initializers (the app's distributions)."""
    generator = torch.Generator().manual_seed(seed)
    state = module.state_dict()
    for name, init in SETTINGS["initializers"].items():
        key, transpose = net.WEIGHT_MAP[name]
        tensor = state[key]
        shape = tuple(tensor.shape[::-1]) if transpose else tuple(tensor.shape)  # the app's (inputs, units)
        fan_in, fan_out = (shape[0], shape[1]) if len(shape) == 2 else (shape[0], shape[0])
        scale = {"glorot": 2.0 / (fan_in + fan_out), "he": 2.0 / fan_in, "lecun": 1.0 / fan_in}
        family, _, kind = init.partition("_")
        if init == "zeros":
            value = torch.zeros(shape)
        elif init == "ones":
            value = torch.ones(shape)
        elif family in scale and kind == "uniform":
            limit = math.sqrt(3.0 * scale[family])
            value = (torch.rand(shape, generator=generator) * 2.0 - 1.0) * limit
        elif family in scale and kind == "normal":  # truncated at two standard deviations
            std = math.sqrt(scale[family]) / 0.87962566103423978
            value = torch.fmod(torch.randn(shape, generator=generator), 2.0) * std
        else:
            continue  # random_uniform / random_normal and others keep PyTorch's default
        state[key] = (value.T if transpose else value).contiguous()
    module.load_state_dict(state)


def shaped_targets(y: np.ndarray) -> torch.Tensor:
    """Targets as the loss wants them: class indices, 0/1 column, one-hot rows or values."""
    how = SETTINGS["targets"]
    if how["shape"] == "index":
        return torch.as_tensor(y, dtype=torch.int64)
    if how["shape"] == "onehot":
        out = torch.zeros((len(y), how["width"]))
        out[torch.arange(len(y)), torch.as_tensor(y, dtype=torch.int64)] = 1.0
        return out
    t = torch.as_tensor(np.asarray(y, dtype=np.float32)).reshape(len(y), -1)
    smoothing = how.get("bce_smoothing", 0.0)
    return t * (1.0 - smoothing) + 0.5 * smoothing if smoothing else t


def scores(module: torch.nn.Sequential, x: np.ndarray, y: np.ndarray, prefix: str = "") -> dict[str, float]:
    """accuracy (classification) or mae and r2 (regression) of ``module`` on (x, y)."""
    out = np.asarray(net.predict(module, x), dtype=np.float64)
    if SETTINGS["task"] != "regression":
        pred = (out[:, 0] >= 0.5).astype(np.int64) if out.shape[1] == 1 else np.argmax(out, axis=1)
        return {f"{prefix}accuracy": float(np.mean(pred == y))}
    t = np.asarray(y, dtype=np.float64).reshape(out.shape)
    ss_tot = ((t - t.mean(axis=0)) ** 2).sum(axis=0)
    ss_res = ((t - out) ** 2).sum(axis=0)
    r2 = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0), (ss_res == 0).astype(float))
    return {f"{prefix}mae": float(np.mean(np.abs(t - out))), f"{prefix}r2": float(np.mean(r2))}


class StandardizedLoss(torch.nn.Module):
    """``base`` on standardized values, ``base((p - m)/s, (y - m)/s)`` (the app's data.target_scaling)."""

    def __init__(self, base: torch.nn.Module, mean: np.ndarray, std: np.ndarray) -> None:
        super().__init__()
        self.base = base
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.base((prediction - self.mean) / self.std, (target - self.mean) / self.std)


def fit_target_scaling(module: torch.nn.Sequential, y_train: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray] | None:
    """Set the layer undoing data.target_scaling to ``z * std + mean`` of the training targets.

    Returns (mean, std) (float64 (targets,)), or None when the project does not scale its targets.
    """
    name = SETTINGS.get("target_scaling")
    if not name:
        return None
    y = np.asarray(y_train, dtype=np.float64).reshape(len(y_train), -1)
    mean, std = y.mean(axis=0), y.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    layer = module[int(net.WEIGHT_MAP[name][0].split(".")[0])]
    layer.mean.copy_(torch.as_tensor(-mean / std, dtype=torch.float32))
    layer.variance.copy_(torch.as_tensor(1.0 / std**2, dtype=torch.float32))
    return mean, std


def mean_loss(module: torch.nn.Sequential, loss_fn: torch.nn.Module, x: torch.Tensor, y: torch.Tensor
              ) -> float:
    """Loss plus regularization on (x, y) in inference mode."""
    module.eval()
    with torch.no_grad():
        return float((loss_fn(module(x), y) + net.regularization(module)).item())


class EarlyStopping:
    """The app's rule: stop when ``monitor`` has not improved by more than min_delta for patience epochs."""

    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.best: float | None = None
        self.wait = 0
        self.best_state: dict | None = None

    def stop(self, logs: dict[str, float], epoch: int, module: torch.nn.Module) -> bool:
        value = logs.get(self.cfg["monitor"])
        if value is None or not math.isfinite(value):
            return False
        reference = self.best if self.best is not None else self.cfg["baseline"]
        sign = 1.0 if self.cfg["maximize"] else -1.0
        if reference is None or sign * (value - reference) > self.cfg["min_delta"]:
            self.best, self.wait = value, 0
            if self.cfg["restore_best_weights"]:
                self.best_state = copy.deepcopy(module.state_dict())
            return False
        self.wait += 1
        return self.wait >= self.cfg["patience"] and epoch > 1

    def restore(self, module: torch.nn.Module) -> None:
        if self.best_state is not None:
            module.load_state_dict(self.best_state)


def write_atomically(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(module: torch.nn.Sequential, splits: data.Splits, results: dict, out: Path) -> None:
    """OUT/weights.npz (the app's tensor names, kernels (inputs, units)) and OUT/project.json."""
    out.mkdir(parents=True, exist_ok=True)
    state = module.state_dict()
    arrays = {}
    for name, (key, transpose) in net.WEIGHT_MAP.items():
        value = state[key].detach().cpu().numpy().astype(np.float32)
        arrays[name] = np.ascontiguousarray(value.T if transpose else value)
    doc = copy.deepcopy(SETTINGS["weights_header"])
    doc["preprocessing"]["mean"] = [float(v) for v in splits.mean]
    doc["preprocessing"]["variance"] = [float(v) for v in splits.variance]
    arrays["__ffstudio__"] = np.array(json.dumps(doc))
    write_atomically(out / "weights.npz", lambda fh: np.savez(fh, **arrays))
    project = copy.deepcopy(SETTINGS["project"])
    for key in ("path", "test_path"):
        if project["data"].get(key):
            project["data"][key] = os.path.relpath(project["data"][key], out.resolve()).replace(os.sep, "/")
    project["weights"] = "weights.npz"
    project["results"] = results
    text = json.dumps(project, indent=2, allow_nan=False) + "\n"
    write_atomically(out / "project.json", lambda fh: fh.write(text.encode("utf-8")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write OUT/weights.npz and OUT/project.json")
    parser.add_argument("--epochs", type=int, default=net.EPOCHS)
    parser.add_argument("--batch-size", type=int, default=net.BATCH_SIZE, help="rows per step per process")
    parser.add_argument("--seed", type=int, default=net.SEED)
    parser.add_argument("--data", help="another training CSV (or MNIST folder) with the same columns")
    parser.add_argument("--test-data", help="another labelled test CSV with the same columns")
    parser.add_argument("--cpu", action="store_true", help="train on the CPU even when CUDA is available")
    args = parser.parse_args()

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    distributed = world > 1
    cuda = torch.cuda.is_available() and not args.cpu
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0"))) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if distributed:
        dist.init_process_group("nccl" if cuda else "gloo")
    torch.manual_seed(args.seed)

    splits = data.load(args.data, args.test_data)
    module = net.build_model()
    norm = module[0]
    norm.mean.copy_(torch.as_tensor(splits.mean, dtype=torch.float32))
    norm.variance.copy_(torch.as_tensor(splits.variance, dtype=torch.float32))
    init_weights(module, args.seed)
    target_scaling = fit_target_scaling(module, splits.y_train)
    module.to(device)
    trainer = torch.nn.parallel.DistributedDataParallel(module) if distributed else module

    x_train = torch.as_tensor(splits.x_train, dtype=torch.float32)
    y_train = shaped_targets(splits.y_train)
    has_val = len(splits.y_test) > 0
    x_val = torch.as_tensor(splits.x_test, dtype=torch.float32).to(device)
    y_val = shaped_targets(splits.y_test).to(device)
    rows = TensorDataset(x_train, y_train)
    shuffle = bool(SETTINGS["shuffle"])
    sampler = DistributedSampler(rows, num_replicas=world, rank=rank, shuffle=shuffle, seed=args.seed) \
        if distributed else None
    generator = torch.Generator().manual_seed(args.seed)
    loader = DataLoader(rows, batch_size=args.batch_size, sampler=sampler,
                        shuffle=shuffle and sampler is None, generator=generator)

    loss_fn = net.make_loss()
    if target_scaling is not None:
        loss_fn = StandardizedLoss(loss_fn, *target_scaling).to(device)
    optimizer = net.make_optimizer(module)
    scheduler = net.make_scheduler(optimizer)
    stopping = EarlyStopping(net.EARLY_STOPPING) if getattr(net, "EARLY_STOPPING", None) else None
    watched = {getattr(net, "PLATEAU_MONITOR", None), stopping.cfg["monitor"] if stopping else None}
    train_scores_needed = bool(watched & {"accuracy", "mae", "r2"})
    if rank == 0:
        count = sum(p.numel() for p in module.parameters())
        print(f"training {count:,} parameters for {args.epochs} epochs on {world} process(es), "
              f"batch size {args.batch_size} per process", file=sys.stderr, flush=True)
    epochs_run = 0
    for epoch in range(1, args.epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)
        module.train()
        total = torch.zeros(2, dtype=torch.float64, device=device)
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = loss_fn(trainer(xb), yb) + net.regularization(module)
            loss.backward()
            optimizer.step()
            total += torch.tensor([loss.item() * len(xb), len(xb)], dtype=torch.float64, device=device)
        if distributed:
            dist.all_reduce(total)
        logs = {"loss": float(total[0] / total[1])}
        on_cpu = module if device.type == "cpu" else copy.deepcopy(module).cpu()
        if train_scores_needed:  # early stopping or the plateau schedule watches a training metric
            logs.update(scores(on_cpu, splits.x_train, splits.y_train))
        if has_val:
            logs["val_loss"] = mean_loss(module, loss_fn, x_val, y_val)
            logs.update(scores(on_cpu, splits.x_test, splits.y_test, "val_"))
        epochs_run = epoch
        if rank == 0:
            text = " ".join(f"{k} {v:.5f}" for k, v in logs.items())
            print(f"epoch {epoch}/{args.epochs}: {text} lr {optimizer.param_groups[0]['lr']:.3g}",
                  file=sys.stderr, flush=True)
        net.step_scheduler(scheduler, logs)
        if stopping is not None and stopping.stop(logs, epoch, module):
            if rank == 0:
                print(f"early stopping after epoch {epoch}: {stopping.cfg['monitor']} did not improve",
                      file=sys.stderr, flush=True)
            break
    if stopping is not None:
        stopping.restore(module)

    module.cpu()
    loss_fn.cpu()
    results = {"epochs": epochs_run,
               "loss": mean_loss(module, loss_fn, x_train, y_train),
               "val_loss": mean_loss(module, loss_fn, x_val.cpu(), y_val.cpu()) if has_val else None}
    train_scores = scores(module, splits.x_train, splits.y_train)
    val_scores = scores(module, splits.x_test, splits.y_test, "val_") if has_val else {
        f"val_{k}": None for k in train_scores}
    for key in train_scores:
        results[key] = train_scores[key]
        results[f"val_{key}"] = val_scores[f"val_{key}"]
    if rank == 0:
        if args.out is not None:
            save(module, splits, results, args.out)
            print(f"wrote {args.out / 'weights.npz'}\nwrote {args.out / 'project.json'}")
        print(json.dumps(results), flush=True)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
