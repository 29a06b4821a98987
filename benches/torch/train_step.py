#!/usr/bin/env python3
"""PyTorch CPU baseline of one training step of the supervised path-integration recipe (issue 9,
"Performance"; docs/rnn.md), beside the machine's sgemm peak measured in the same run.

    pip install numpy threadpoolctl torch        # CPU is enough
    python3 benches/torch/train_step.py                      # Ng 128 256 1024, 1 and 2 threads
    python3 benches/torch/train_step.py --ng 256 --threads 2 --steps 20

The step is Sorscher et al.'s recipe as grid-pattern-formation implements it in PyTorch
(model.py, trainer.py): encoder Linear(Np, Ng, bias=False), RNN(2, Ng, nonlinearity='relu',
bias=False), decoder Linear(Ng, Np, bias=False); g0 = W_enc p(x0); loss = softmax cross-entropy
of the readout against the place-cell code, −Σ y log softmax(W_dec g) averaged over B·T, plus
1e-4·‖W_hh‖²; Adam (lr 1e-4); Np 512, batch 200, T 20. One forward per step (the original calls
predict() twice in compute_loss; this baseline does not, to be fair to PyTorch).

Data generation (timed separately, and added to the step for "with data"): the original's
trajectory generator in NumPy (Rayleigh speeds, Gaussian turns, wall avoidance, walled 2.2 m box)
and its difference-of-softmaxes place-cell code (σ 0.12 m, surround scale 2) in torch, for one
batch of B trajectories of T steps plus the start codes.

FLOP count per step (the same formula as `TrainConfig::flops_per_step` of `engram rnn train`,
2 FLOP per multiply-add, GEMMs only):
    6·BT·Ng·Np   readout forward, ∂logits·W_dec and ∂W_dec
  + 6·BT·Ng²     recurrence forward, backward through W_hh and ∂W_hh
  + 4·B·Ng·Np    encoder forward and ∂W_enc
  + 12·BT·Ng     input projection and its gradient
(Ng 256: 4.82 GFLOP; Ng 1024: 38.2 GFLOP.)

sgemm peak: the best of several n × n float32 products (n = 2048 by default), 2n³ FLOP each,
through NumPy (its BLAS) and through torch.mm, at each thread count.

Threads: OMP/MKL/OpenBLAS env vars are set to the largest requested count before numpy and torch
are imported; each measurement then limits torch (torch.set_num_threads) and NumPy's BLAS
(threadpoolctl) to its count. Wall-clock time (time.perf_counter); the mean over the timed steps
after warm-up; the data generation is the mean over as many batches.
"""
import argparse
import os
import platform
import sys
import time


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ng", type=int, nargs="+", default=[128, 256, 1024])
    p.add_argument("--np", type=int, default=512)
    p.add_argument("--batch", type=int, default=200)
    p.add_argument("--seq-len", type=int, default=20)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--steps", type=int, default=0,
                   help="timed steps per case (0: as many as fit in --seconds, at least 3)")
    p.add_argument("--seconds", type=float, default=6.0, help="time budget per case when --steps 0")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--gemm-n", type=int, default=2048)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


ARGS = parse()
_MAX_T = str(max(ARGS.threads))
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[var] = _MAX_T

import numpy as np  # noqa: E402  (after the env vars)
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


def flops_per_step(b, t, ng, np_):
    bt = b * t
    return 6.0 * bt * ng * np_ + 6.0 * bt * ng * ng + 4.0 * b * ng * np_ + 12.0 * bt * ng


# --- data: grid-pattern-formation's generator (trajectory_generator.py, place_cells.py) ---------

BOX, DT, SIGMA_TURN, RAYLEIGH_B, BORDER = 2.2, 0.02, 5.76 * 2, 0.13 * 2 * np.pi, 0.03
PC_SIGMA, SURROUND = 0.12, 2.0


def avoid_wall(position, hd):
    x, y = position[:, 0], position[:, 1]
    dists = [BOX / 2 - x, BOX / 2 - y, BOX / 2 + x, BOX / 2 + y]
    d_wall = np.min(dists, axis=0)
    angles = np.arange(4) * np.pi / 2
    theta = angles[np.argmin(dists, axis=0)]
    hd = np.mod(hd, 2 * np.pi)
    a_wall = np.mod(hd - theta + np.pi, 2 * np.pi) - np.pi
    near = (d_wall < BORDER) * (np.abs(a_wall) < np.pi / 2)
    turn = np.zeros_like(hd)
    turn[near] = np.sign(a_wall[near]) * (np.pi / 2 - np.abs(a_wall[near]))
    return near, turn


def trajectories(rng, b, t):
    position = np.zeros([b, t + 2, 2])
    head_dir = np.zeros([b, t + 2])
    position[:, 0, 0] = rng.uniform(-BOX / 2, BOX / 2, b)
    position[:, 0, 1] = rng.uniform(-BOX / 2, BOX / 2, b)
    head_dir[:, 0] = rng.uniform(0, 2 * np.pi, b)
    velocity = np.zeros([b, t + 2])
    random_turn = rng.normal(0, SIGMA_TURN, [b, t + 1])
    random_vel = rng.rayleigh(RAYLEIGH_B, [b, t + 1])
    for k in range(t + 1):
        v = random_vel[:, k]
        near, turn = avoid_wall(position[:, k], head_dir[:, k])
        v[near] *= 0.25
        turn += DT * random_turn[:, k]
        velocity[:, k] = v * DT
        update = velocity[:, k, None] * np.stack([np.cos(head_dir[:, k]), np.sin(head_dir[:, k])], -1)
        position[:, k + 1] = position[:, k] + update
        head_dir[:, k + 1] = head_dir[:, k] + turn
    head_dir = np.mod(head_dir + np.pi, 2 * np.pi) - np.pi
    ego_v = velocity[:, 1:-1]
    target_hd = head_dir[:, 1:-1]
    v = np.stack([ego_v * np.cos(target_hd), ego_v * np.sin(target_hd)], -1)
    return v, position[:, 2:], position[:, 1]


def place_code(pos, us):
    """Difference of softmaxes, shifted ≥ 0 and normalised (place_cells.py, DoG=True)."""
    d = torch.abs(pos[..., None, :] - us)
    norm2 = (d ** 2).sum(-1)
    out = torch.softmax(-norm2 / (2 * PC_SIGMA ** 2), -1)
    out = out - torch.softmax(-norm2 / (2 * SURROUND * PC_SIGMA ** 2), -1)
    out = out + torch.abs(out.min(-1, keepdim=True).values)
    return out / out.sum(-1, keepdim=True)


def batch(rng, us, b, t):
    v, pos, init = trajectories(rng, b, t)
    v = torch.from_numpy(v).float().transpose(0, 1).contiguous()  # (T, B, 2)
    y = place_code(torch.from_numpy(pos).float().transpose(0, 1), us)  # (T, B, Np)
    p0 = place_code(torch.from_numpy(init).float(), us)  # (B, Np)
    return v, p0, y


# --- the model and one step ---------------------------------------------------------------------

class RNN(torch.nn.Module):
    def __init__(self, ng, np_):
        super().__init__()
        self.encoder = torch.nn.Linear(np_, ng, bias=False)
        self.RNN = torch.nn.RNN(2, ng, nonlinearity="relu", bias=False)
        self.decoder = torch.nn.Linear(ng, np_, bias=False)

    def forward(self, v, p0):
        g, _ = self.RNN(v, self.encoder(p0)[None])
        return self.decoder(g)


def make_step(model, opt, wd=1e-4):
    def step(v, p0, y):
        opt.zero_grad(set_to_none=True)
        logp = torch.log_softmax(model(v, p0), -1)
        loss = -(y * logp).sum(-1).mean() + wd * (model.RNN.weight_hh_l0 ** 2).sum()
        loss.backward()
        opt.step()
        return loss
    return step


def timed(fn, warmup, steps, seconds):
    for _ in range(warmup):
        fn()
    n, total = 0, 0.0
    while True:
        t0 = time.perf_counter()
        fn()
        total += time.perf_counter() - t0
        n += 1
        if (steps and n >= steps) or (not steps and n >= 3 and total >= seconds):
            return total / n, n


def sgemm_peak(n, reps=5):
    a = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
    b = np.random.default_rng(2).standard_normal((n, n), dtype=np.float32)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    out = {}
    for name, f in (("numpy", lambda: a @ b), ("torch", lambda: torch.mm(ta, tb))):
        f()
        best = min(_once(f) for _ in range(reps))
        out[name] = 2.0 * n ** 3 / best / 1e9
    return out


def _once(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    a = ARGS
    print(f"# engram benches/torch/train_step.py — {cpu_name()}, {os.cpu_count()} logical CPUs")
    print(f"# python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}")
    print(f"# recipe: Np {a.np}, batch {a.batch}, T {a.seq_len}, ReLU RNN without bias, "
          f"CE + 1e-4·|W_hh|², Adam; FLOP = 6·BT·Ng·Np + 6·BT·Ng² + 4·B·Ng·Np + 12·BT·Ng")
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    us = torch.from_numpy(rng.uniform(-BOX / 2, BOX / 2, (a.np, 2))).float()
    rows = []
    for th in a.threads:
        torch.set_num_threads(th)
        with threadpool_limits(limits=th):
            peak = sgemm_peak(a.gemm_n)
            print(f"sgemm peak, {th} thread(s), n = {a.gemm_n}: numpy {peak['numpy']:.1f} GFLOP/s, "
                  f"torch {peak['torch']:.1f} GFLOP/s")
            data_s, _ = timed(lambda: batch(rng, us, a.batch, a.seq_len), 1, 0 if not a.steps else a.steps,
                              min(a.seconds, 3.0))
            print(f"data generation, {th} thread(s): {data_s * 1e3:.1f} ms per batch "
                  f"(B {a.batch} x T {a.seq_len}, Np {a.np})")
            for ng in a.ng:
                model = RNN(ng, a.np)
                opt = torch.optim.Adam(model.parameters(), lr=1e-4)
                step = make_step(model, opt)
                v, p0, y = batch(rng, us, a.batch, a.seq_len)
                step_s, n = timed(lambda: step(v, p0, y), a.warmup, a.steps, a.seconds)
                fl = flops_per_step(a.batch, a.seq_len, ng, a.np)
                gf = fl / step_s / 1e9
                best = max(peak.values())
                gf_data = fl / (step_s + data_s) / 1e9
                rows.append((th, ng, step_s, n, gf, best, data_s, gf_data))
                print(f"Ng {ng:5d}, {th} thread(s): {step_s * 1e3:8.1f} ms/step ({1 / step_s:6.2f} steps/s, "
                      f"{n} timed), {fl / 1e9:6.2f} GFLOP/step, {gf:6.1f} GFLOP/s = {100 * gf / best:5.1f} % of "
                      f"the best sgemm peak {best:.1f}; with data {1 / (step_s + data_s):6.2f} steps/s, "
                      f"{gf_data:6.1f} GFLOP/s = {100 * gf_data / best:5.1f} %")
                sys.stdout.flush()
    print("\n| threads | Ng | s/step | steps/s | GFLOP/s | % peak | data s/batch | steps/s with data | % peak with data |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for th, ng, s, _n, gf, best, ds, gfd in rows:
        print(f"| {th} | {ng} | {s:.4f} | {1 / s:.2f} | {gf:.1f} | {100 * gf / best:.1f} | {ds:.4f} | "
              f"{1 / (s + ds):.2f} | {100 * gfd / best:.1f} |")


if __name__ == "__main__":
    main()
