"""Engine speed benchmark: the NumPy engine against PyTorch CPU on the same recipes, in one process.

Run: ``.venv/bin/python tests/benchmarks/engine.py [--epochs 6] [--recipe-epochs 10] [--small-steps 3000]``
(about a minute on a quiet machine; ``--help`` lists the switches).

1. MNIST timing (issue 2, section 4): 784-256-128-10 ReLU, softmax cross-entropy, Adam lr 1e-3, batch 128,
   float32, shuffled every epoch, inputs kept as uint8 and scaled per batch (engine: a Normalization
   layer with mean 0, variance 255^2; PyTorch: ``x.float() / 255``). Both start from the same initial
   weights. Engine and PyTorch alternate epoch by epoch (the order flips every epoch); seconds per epoch
   are medians over the epochs and ``ratio`` = engine / PyTorch of the medians; per-epoch paired ratios,
   each side's fastest epoch, and test accuracy after ``--epochs`` epochs.
   Library defaults for threads (numpy's OpenBLAS and PyTorch each use every core).
2. The same timings in a child process with ONE thread on each side (OPENBLAS_NUM_THREADS=1,
   ``torch.set_num_threads(1)``): on this shared 2-core machine a 2-thread GEMM stalls whenever another
   process takes a core, so these are the stable numbers for the work per step.
3. Default MNIST recipe (engine only, in a child process so its peak RSS is the engine's alone):
   the same network and batch size with Adam 1e-3 and ``CosineDecay(1e-3, decay_steps=10, alpha=0.05)``
   applied per epoch; test accuracy after every epoch. Target: >= 98.0% after 10 epochs.
4. Playground recipe: 2-8-8-2 tanh + softmax, Adam, batch 32, 1,000 points of a 2D two-class spiral.
   Steps per second: engine pulled through ``core.training.iter_training`` (what the GUI worker does),
   PyTorch as a plain loop; PyTorch is timed with its default thread count and with 1 thread and the
   faster of the two is used for the ratio.
5. Peak RSS (``resource.getrusage``) of this process (PyTorch imported: ~250 MB of it is PyTorch's) and
   of the engine-only recipe child.

The last line printed is one JSON object with every number and whether each target is met.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

MNIST_DIR = ROOT.parent / "shared" / "datasets" / "mnist"
TARGETS = {
    "mnist_epoch_ratio_max": 0.6,
    "small_net_speedup_min": 5.0,
    "accuracy_min": 0.98,
    "rss_mb_max": 400.0,
}


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB.

    Linux ``VmHWM`` when available: ``getrusage().ru_maxrss`` of a child started from this process
    starts at the parent's peak (the high-water mark survives fork and exec), which would hide the
    engine-only child's own number.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
def _read_idx(path: Path) -> np.ndarray:
    """Minimal IDX reader (uint8 payload), used only when core.datasets.mnist is unavailable."""
    with gzip.open(path, "rb") as fh:
        data = fh.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """(x_train uint8 (60000, 784), y_train int64, x_test uint8 (10000, 784), y_test int64, loader name)."""
    try:
        from core.datasets.mnist import load_mnist as core_load
    except ImportError:
        core_load = None
    if core_load is not None:
        ds = core_load(MNIST_DIR, download=False)
        return (
            ds.x_train,
            ds.y_train.astype(np.int64),
            ds.x_test,
            ds.y_test.astype(np.int64),
            "core.datasets.mnist",
        )
    x_train = _read_idx(MNIST_DIR / "train-images-idx3-ubyte.gz").reshape(-1, 784)
    y_train = _read_idx(MNIST_DIR / "train-labels-idx1-ubyte.gz").astype(np.int64)
    x_test = _read_idx(MNIST_DIR / "t10k-images-idx3-ubyte.gz").reshape(-1, 784)
    y_test = _read_idx(MNIST_DIR / "t10k-labels-idx1-ubyte.gz").astype(np.int64)
    return x_train, y_train, x_test, y_test, "benchmark IDX reader"


def spiral(n: int = 1000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals: x float32 (n, 2), y int64 (n,)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = rng.uniform(0.25, 1.0, size=n) * 3 * np.pi
    r = t / (3 * np.pi)
    angle = t + np.pi * y
    x = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1) + rng.normal(scale=0.02, size=(n, 2))
    return x.astype(np.float32), y.astype(np.int64)


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------
def engine_mlp(sizes: list[int], hidden: str, seed: int, scale: float | None = None) -> Any:
    """Engine Sequential: optional Normalization(0, scale^2), Dense layers, softmax output (float32)."""
    from core.layers import Dense, Normalization
    from core.model import Sequential

    layers: list[Any] = []
    if scale is not None:
        layers.append(
            Normalization(np.zeros(sizes[0], dtype=np.float32), np.full(sizes[0], scale**2, dtype=np.float32))
        )
    for i, units in enumerate(sizes[1:]):
        last = i == len(sizes) - 2
        kwargs = {"input_dim": sizes[0]} if i == 0 else {}
        layers.append(Dense(units, activation="softmax" if last else hidden, **kwargs))
    model = Sequential(layers, dtype="float32")
    model.build(sizes[0], seed=seed)
    return model


def torch_mlp_like(model: Any, hidden: str) -> Any:
    """PyTorch nn.Sequential with the engine model's current weights (softmax folded into the loss)."""
    import torch

    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    mods: list[Any] = []
    for i, layer in enumerate(dense):
        kernel, bias = layer.get_weights()
        lin = torch.nn.Linear(kernel.shape[0], kernel.shape[1])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(kernel.T)))
            lin.bias.copy_(torch.from_numpy(np.array(bias)))
        mods.append(lin)
        if i < len(dense) - 1:
            mods.append(torch.nn.ReLU() if hidden == "relu" else torch.nn.Tanh())
    return torch.nn.Sequential(*mods)


def torch_steps(net: Any, opt: Any, xt: Any, yt: Any, batch: int, gen: Any, scale: float | None) -> Any:
    """Endless shuffled training steps (reshuffled every epoch); yields each batch loss as a float."""
    import torch

    n = xt.shape[0]
    while True:
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, batch):
            idx = perm[start : start + batch]
            xb = xt[idx].float()
            if scale is not None:
                xb = xb / scale
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(net(xb), yt[idx])
            loss.backward()
            opt.step()
            yield float(loss.detach())


def torch_accuracy(net: Any, x: np.ndarray, y: np.ndarray, scale: float, chunk: int = 1000) -> float:
    import torch

    right = 0
    with torch.no_grad():
        for lo in range(0, x.shape[0], chunk):
            logits = net(torch.from_numpy(x[lo : lo + chunk]).float() / scale)
            right += int((logits.argmax(dim=1).numpy() == y[lo : lo + chunk]).sum())
    return right / x.shape[0]


def engine_accuracy(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(model.predict(x, batch_size=1000), axis=1) == y))


def run_epochs(gen: Any) -> dict[str, Any]:
    """Pull records from an iter_training generator up to the end of the next epoch."""
    for rec in gen:
        if rec.kind == "epoch":
            return {"loss": rec.loss, "logs": dict(rec.logs)}
    raise RuntimeError("training generator ended early")


# ---------------------------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------------------------
def bench_mnist(data: tuple, epochs: int, have_torch: bool, blocks_per_epoch: int = 1) -> dict[str, Any]:
    """Alternate engine / PyTorch epoch by epoch (or in ``blocks_per_epoch`` blocks; order flips each time).

    Seconds per epoch are the median over epochs; ``ratio`` = engine / PyTorch of those medians. Whole
    epochs, not small blocks: right after one library runs, its idle worker threads keep spinning for a
    while (OpenBLAS ~0.1 s), which would tax the other library's next short block. ``paired_ratios``
    are per-epoch neighbours; ``best_*`` is each side's fastest epoch (closest to an unloaded machine).
    """
    from core.optimizers import Adam
    from core.training import iter_training

    x_train, y_train, x_test, y_test, loader = data
    model = engine_mlp([784, 256, 128, 10], "relu", seed=0, scale=255.0)
    model.compile(optimizer=Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy")
    gen = iter_training(model, x_train, y_train, epochs=epochs, batch_size=128, shuffle=True, seed=0)
    steps_per_epoch = -(-x_train.shape[0] // 128)
    bounds = np.linspace(0, steps_per_epoch, blocks_per_epoch + 1).astype(int)
    block_steps = np.diff(bounds).tolist()
    out: dict[str, Any] = {"loader": loader, "epochs": epochs, "steps_per_epoch": steps_per_epoch}
    if have_torch:
        import torch

        torch.manual_seed(0)
        net = torch_mlp_like(model, "relu")
        topt = torch.optim.Adam(net.parameters(), lr=1e-3)
        xt = torch.from_numpy(x_train if x_train.flags.writeable else np.array(x_train))
        yt = torch.from_numpy(y_train)
        tsteps = torch_steps(net, topt, xt, yt, 128, torch.Generator().manual_seed(0), 255.0)

    def engine_block(k: int) -> float:
        done = 0
        while done < k:
            rec = next(gen)
            done += rec.kind == "batch"
        return rec.loss

    def torch_block(k: int) -> float:
        for _ in range(k):
            loss = next(tsteps)
        return loss

    e_blocks: list[float] = []
    t_blocks: list[float] = []
    e_losses: list[float] = []
    t_losses: list[float] = []
    for i, k in enumerate(block_steps * epochs):
        order = ("engine", "torch") if i % 2 == 0 else ("torch", "engine")
        for who in order:
            if who == "engine":
                t0 = time.perf_counter()
                e_losses.append(engine_block(k))
                e_blocks.append(time.perf_counter() - t0)
            elif have_torch:
                t0 = time.perf_counter()
                t_losses.append(torch_block(k))
                t_blocks.append(time.perf_counter() - t0)
    per_epoch = len(block_steps)
    e_epochs = [sum(e_blocks[j : j + per_epoch]) for j in range(0, len(e_blocks), per_epoch)]
    out["engine_s"] = [round(v, 3) for v in e_epochs]
    out["engine_s_per_epoch"] = statistics.median(e_epochs)
    out["engine_best_s_per_epoch"] = (
        min(t / k for t, k in zip(e_blocks, block_steps * epochs, strict=True)) * steps_per_epoch
    )
    out["engine_last_batch_loss"] = e_losses[-1]
    out["engine_test_accuracy"] = engine_accuracy(model, x_test, y_test)
    if have_torch:
        t_epochs = [sum(t_blocks[j : j + per_epoch]) for j in range(0, len(t_blocks), per_epoch)]
        out["torch_s"] = [round(v, 3) for v in t_epochs]
        out["torch_s_per_epoch"] = statistics.median(t_epochs)
        out["torch_best_s_per_epoch"] = (
            min(t / k for t, k in zip(t_blocks, block_steps * epochs, strict=True)) * steps_per_epoch
        )
        out["torch_last_batch_loss"] = t_losses[-1]
        out["torch_test_accuracy"] = torch_accuracy(net, x_test, y_test, 255.0)
        pairs = [e / t for e, t in zip(e_blocks, t_blocks, strict=True)]
        out["paired_ratios"] = [round(r, 3) for r in pairs]
        out["ratio"] = out["engine_s_per_epoch"] / out["torch_s_per_epoch"]
        out["median_paired_ratio"] = statistics.median(pairs)
        out["ratio_of_best"] = out["engine_best_s_per_epoch"] / out["torch_best_s_per_epoch"]
    return out


def default_recipe(epochs: int) -> dict[str, Any]:
    """The documented MNIST recipe (engine only): returns test accuracy per epoch and time."""
    from core.optimizers import Adam
    from core.schedules import CosineDecay
    from core.training import iter_training

    x_train, y_train, x_test, y_test, _ = load_mnist()
    model = engine_mlp([784, 256, 128, 10], "relu", seed=0, scale=255.0)
    model.compile(optimizer=Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy")
    # The schedule goes in as a callback: the training loop sets the rate before every epoch.
    schedule = CosineDecay(1e-3, decay_steps=epochs, alpha=0.05)
    gen = iter_training(
        model, x_train, y_train, epochs=epochs, batch_size=128, shuffle=True, seed=0, callbacks=[schedule]
    )
    accs = []
    rates = []
    t0 = time.perf_counter()
    for rec in gen:
        if rec.kind == "epoch":
            rates.append(model.optimizer.learning_rate)
            accs.append(round(engine_accuracy(model, x_test, y_test), 4))
    seconds = time.perf_counter() - t0
    reached = next((i + 1 for i, a in enumerate(accs) if a >= TARGETS["accuracy_min"]), None)
    return {
        "recipe": (
            f"784-256-128-10 relu/softmax, sparse_categorical_crossentropy, Adam 1e-3 with "
            f"CosineDecay(1e-3, decay_steps={epochs}, alpha=0.05) per epoch, batch 128, shuffled, float32"
        ),
        "test_accuracy_per_epoch": accs,
        "learning_rate_per_epoch": [float(f"{r:.3g}") for r in rates],
        "final_test_accuracy": accs[-1],
        "first_epoch_at_98": reached,
        "seconds": round(seconds, 2),
        "peak_rss_mb": peak_rss_mb(),
    }


def bench_small(steps: int, have_torch: bool) -> dict[str, Any]:
    from core.optimizers import Adam
    from core.training import iter_training

    x, y = spiral(1000)
    model = engine_mlp([2, 8, 8, 2], "tanh", seed=0)
    model.compile(optimizer=Adam(learning_rate=1e-2), loss="sparse_categorical_crossentropy")
    gen = iter_training(model, x, y, epochs=None, batch_size=32, shuffle=True, seed=0)
    rounds = 3
    out: dict[str, Any] = {"steps_per_round": steps, "rounds": rounds}
    engine_rates, torch_rates, torch1_rates = [], [], []
    first_loss = last_loss = None
    if have_torch:
        import torch

        net = torch_mlp_like(model, "tanh")
        topt = torch.optim.Adam(net.parameters(), lr=1e-2)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        tgen = torch.Generator().manual_seed(0)
        default_threads = torch.get_num_threads()

        def torch_steps(n: int) -> float:
            done = 0
            t0 = time.perf_counter()
            while done < n:
                perm = torch.randperm(1000, generator=tgen)
                for start in range(0, 1000, 32):
                    idx = perm[start : start + 32]
                    topt.zero_grad(set_to_none=True)
                    loss = torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx])
                    loss.backward()
                    topt.step()
                    done += 1
                    if done == n:
                        break
            return n / (time.perf_counter() - t0)

    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(steps):
            rec = next(gen)
            while rec.kind != "batch":  # epoch-end records are not steps
                rec = next(gen)
            if first_loss is None:
                first_loss = rec.loss
        engine_rates.append(steps / (time.perf_counter() - t0))
        last_loss = rec.loss
        if have_torch:
            torch.set_num_threads(default_threads)
            torch_rates.append(torch_steps(steps))
            torch.set_num_threads(1)
            torch1_rates.append(torch_steps(steps))
            torch.set_num_threads(default_threads)
    out["engine_steps_per_s"] = round(statistics.median(engine_rates), 1)
    out["engine_first_batch_loss"] = first_loss
    out["engine_last_batch_loss"] = last_loss
    if have_torch:
        out["torch_steps_per_s_default_threads"] = round(statistics.median(torch_rates), 1)
        out["torch_steps_per_s_1_thread"] = round(statistics.median(torch1_rates), 1)
        best = max(out["torch_steps_per_s_default_threads"], out["torch_steps_per_s_1_thread"])
        out["speedup_vs_best_torch"] = round(out["engine_steps_per_s"] / best, 2)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=6, help="alternating MNIST timing epochs (default 6)")
    ap.add_argument("--recipe-epochs", type=int, default=10, help="default-recipe epochs, 0 to skip")
    ap.add_argument("--small-steps", type=int, default=3000, help="Playground steps per timing round")
    ap.add_argument("--no-torch", action="store_true", help="engine only")
    ap.add_argument(
        "--no-single-thread",
        action="store_true",
        help="skip the 1-thread (OpenBLAS and PyTorch) timing child",
    )
    ap.add_argument("--recipe-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--timing-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.recipe_only:
        print(json.dumps(default_recipe(args.recipe_epochs)))
        return 0
    if args.timing_child:
        # started with OPENBLAS_NUM_THREADS=1 / OMP_NUM_THREADS=1 (must be set before numpy loads OpenBLAS)
        data = load_mnist()
        import torch

        torch.set_num_threads(1)
        child = {"mnist": bench_mnist(data, args.epochs, True), "small": bench_small(args.small_steps, True)}
        print(json.dumps(child))
        return 0

    # MNIST is read before PyTorch is imported so the loader's transient buffers and PyTorch's ~200 MB
    # do not add up in the peak RSS.
    data = load_mnist()
    have_torch = False
    torch_threads = None
    if not args.no_torch:
        try:
            import torch

            have_torch = True
            torch_threads = torch.get_num_threads()
        except ImportError:
            print("PyTorch not installed: engine numbers only", file=sys.stderr)

    result: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "torch": __import__("torch").__version__ if have_torch else None,
            "torch_threads": torch_threads,
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        }
    }
    load_before = os.getloadavg()[0]
    mnist = bench_mnist(data, args.epochs, have_torch)
    del data
    print(f"MNIST: {json.dumps(mnist)}", file=sys.stderr)
    small = bench_small(args.small_steps, have_torch)
    print(f"small: {json.dumps(small)}", file=sys.stderr)
    result["mnist"] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in mnist.items()}
    result["small"] = small
    recipe = None
    if args.recipe_epochs > 0:
        proc = subprocess.run(
            [sys.executable, __file__, "--recipe-only", "--recipe-epochs", str(args.recipe_epochs)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            raise SystemExit("default-recipe run failed")
        recipe = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"recipe: {json.dumps(recipe)}", file=sys.stderr)
        result["recipe"] = recipe
    single = None
    if have_torch and not args.no_single_thread:
        # The same timings with one thread on each side. On this shared 2-core machine a 2-thread GEMM
        # stalls whenever another process takes a core (both libraries suffer, unevenly), so the 1-thread
        # numbers are the stable comparison of the per-step work.
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        cmd = [sys.executable, __file__, "--timing-child", "--epochs", str(args.epochs)]
        proc = subprocess.run(
            [*cmd, "--small-steps", str(args.small_steps)],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            raise SystemExit("single-thread timing run failed")
        single = json.loads(proc.stdout.strip().splitlines()[-1])
        single["mnist"] = {
            k: (round(v, 4) if isinstance(v, float) else v) for k, v in single["mnist"].items()
        }
        print(f"single-thread: {json.dumps(single)}", file=sys.stderr)
        result["single_thread"] = single
    result["machine"]["loadavg_1min_before_after"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    result["peak_rss_mb"] = peak_rss_mb()

    met: dict[str, bool | None] = {
        "mnist_epoch_ratio": mnist["ratio"] <= TARGETS["mnist_epoch_ratio_max"] if have_torch else None,
        "mnist_epoch_ratio_single_thread": single["mnist"]["ratio"] <= TARGETS["mnist_epoch_ratio_max"]
        if single
        else None,
        "small_net_speedup": small["speedup_vs_best_torch"] >= TARGETS["small_net_speedup_min"]
        if have_torch
        else None,
        "accuracy_98_in_10_epochs": (
            recipe["final_test_accuracy"] >= TARGETS["accuracy_min"] and args.recipe_epochs <= 10
        )
        if recipe
        else None,
        "peak_rss": result["peak_rss_mb"] <= TARGETS["rss_mb_max"]
        and (recipe is None or recipe["peak_rss_mb"] <= TARGETS["rss_mb_max"]),
    }
    result["targets"] = TARGETS
    result["met"] = met
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
