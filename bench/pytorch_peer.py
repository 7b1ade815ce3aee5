#!/usr/bin/env python3
"""PyTorch peer benchmark for the Kac reference UNet (dev-time only; CI never runs this).

1. Runs `kac-bench peer-dump --output FILE` to get the reference UNet's weights (every tensor
   randomised, zero-initialised layers included), a seeded input batch and Swift's `velocity`.
2. Builds the same architecture in PyTorch from the configuration stored in the dump, loads the
   weights (NHWC [k,k,Cin,Cout] convs -> [Cout,Cin,k,k]; Linear [in,out] -> [out,in]) and checks
   that both outputs agree to --tolerance (max abs difference).
3. Times forward (and forward+backward with --backward) at the same batch sizes and thread
   count on both sides, interleaved: each round runs `kac-bench peer-dump --batches ...` (Swift times
   itself in-process, best of --repetitions after a warm-up), then the same in PyTorch. The table
   reports each side's best over all rounds and the Swift/torch ratio.

Needs torch, numpy and safetensors (e.g. a venv; see bench/README.md). Downloads nothing.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time


def parse_arguments():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kac-bench", default=os.path.join(here, "..", ".build", "release", "kac-bench"),
                        help="the kac-bench binary (default: ../.build/release/kac-bench)")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved Swift/torch rounds")
    parser.add_argument("--repetitions", type=int, default=3, help="timed runs per measurement and round")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (Swift uses 2)")
    parser.add_argument("--backward", action="store_true", help="also time forward+backward (MSE loss)")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="max abs difference allowed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dump-batch", type=int, default=20)
    parser.add_argument("--checkpoint", help="compare trained weights (kac train checkpoint) instead of random ones")
    parser.add_argument("--channels-last", action="store_true", help="run torch in channels_last memory format")
    parser.add_argument("--torch-isa", choices=["default", "avx2"], default="default",
                        help="avx2: cap ATen, oneDNN and MKL to AVX2 (OpenBLAS's Haswell kernels are AVX2)")
    parser.add_argument("--omp-wait-policy", choices=["PASSIVE", "ACTIVE", "inherit"], default="PASSIVE",
                        help="OMP_WAIT_POLICY for torch's OpenMP (default PASSIVE: with libgomp's default "
                             "spinning, a busy neighbour stalls every parallel region by ~10-50 ms)")
    parser.add_argument("--check-only", action="store_true", help="compare outputs, skip timing")
    parser.add_argument("--onnx", action="store_true",
                        help="also export the torch model to ONNX and time ONNX Runtime's CPU provider (fp32 forward; "
                             "needs onnxruntime and onnx)")
    parser.add_argument("--bf16", action="store_true",
                        help="time forward in bf16: Swift `peer-dump --bf16` against torch.autocast('cpu', bfloat16)")
    return parser.parse_args()


args = parse_arguments()
if args.omp_wait_policy != "inherit":
    os.environ["OMP_WAIT_POLICY"] = args.omp_wait_policy  # read when torch loads libgomp
if args.torch_isa == "avx2":
    # Must be set before torch is imported.
    os.environ["ATEN_CPU_CAPABILITY"] = "avx2"
    os.environ["ONEDNN_MAX_CPU_ISA"] = "AVX2"
    os.environ["MKL_ENABLE_INSTRUCTIONS"] = "AVX2"

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from safetensors.numpy import load_file  # noqa: E402
from safetensors import safe_open  # noqa: E402


# ---------------------------------------------------------------------------------------------
# The architecture, mirroring Sources/NeuralNet/Networks/UNet.swift step by step.

class ResidualBlock(nn.Module):
    """h = conv1(SiLU(GN(x))) + Linear(emb); h = conv2(SiLU(GN(h))); out = skip(x) + h."""

    def __init__(self, cin, cout, embedding_width, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.embedding = nn.Linear(embedding_width, cout)
        self.norm2 = nn.GroupNorm(groups, cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, activated_embedding):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.embedding(activated_embedding)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + (self.skip(x) if self.skip is not None else x)


class AttentionBlock(nn.Module):
    """x + proj(MHSA(GN(x))); qkv per position is [q | k | v], heads contiguous inside each."""

    def __init__(self, channels, heads, groups):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(groups, channels, eps=1e-5)
        self.qkv = nn.Linear(channels, 3 * channels)
        self.proj = nn.Linear(channels, channels)

    def forward(self, x):
        n, c, h, w = x.shape
        d = c // self.heads
        tokens = self.norm(x).flatten(2).transpose(1, 2)                  # [N, P, C]
        qkv = self.qkv(tokens).view(n, h * w, 3, self.heads, d).permute(2, 0, 3, 1, 4)  # [3, N, heads, P, d]
        attended = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])  # scale 1/sqrt(d)
        attended = attended.transpose(1, 2).reshape(n, h * w, c)
        return x + self.proj(attended).transpose(1, 2).reshape(n, c, h, w)


class UNet(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        base, groups, heads = config["baseWidth"], config["groupCount"], config["attentionHeads"]
        e = 2 * base  # embeddingWidth
        self.base = base
        self.layers = nn.ModuleDict()   # keyed by the Swift name with '.' -> '/'
        self.steps = []                 # (kind, key)

        def add(name, module):
            self.layers[name.replace(".", "/")] = module
            return name.replace(".", "/")

        def residual(name, cin, cout):
            self.steps.append(("residual", add(name, ResidualBlock(cin, cout, e, groups))))

        def attention(name, channels):
            self.steps.append(("attention", add(name, AttentionBlock(channels, heads, groups))))

        def conv(name, cin, cout, stride=1):
            self.steps.append(("conv", add(name, nn.Conv2d(cin, cout, 3, stride=stride, padding=1))))

        self.time_linear1 = nn.Linear(base, e)
        self.time_linear2 = nn.Linear(e, e)
        self.label_embedding = nn.Embedding(config["classCount"] + 1, e)

        conv("input.conv", config["imageChannels"], base)
        self.steps.append(("push", None))
        skip_widths, width, resolution = [base], base, config["imageHeight"]
        multipliers = config["widthMultipliers"]
        blocks = config["residualBlocksPerLevel"]
        attention_at = config["attentionResolutions"]
        for level, multiplier in enumerate(multipliers):
            for block in range(blocks):
                residual(f"down.{level}.res.{block}", width, multiplier * base)
                width = multiplier * base
                if resolution in attention_at:
                    attention(f"down.{level}.attn.{block}", width)
                self.steps.append(("push", None))
                skip_widths.append(width)
            if level != len(multipliers) - 1:
                conv(f"down.{level}.downsample", width, width, stride=2)
                self.steps.append(("push", None))
                skip_widths.append(width)
                resolution //= 2
        residual("middle.res.0", width, width)
        attention("middle.attn.0", width)
        residual("middle.res.1", width, width)
        for level in reversed(range(len(multipliers))):
            multiplier = multipliers[level]
            for block in range(blocks + 1):
                skip_width = skip_widths.pop()
                self.steps.append(("concat", None))
                residual(f"up.{level}.res.{block}", width + skip_width, multiplier * base)
                width = multiplier * base
                if resolution in attention_at:
                    attention(f"up.{level}.attn.{block}", width)
            if level != 0:
                self.steps.append(("upsample", None))
                conv(f"up.{level}.upsample", width, width)
                resolution *= 2
        self.out_norm = nn.GroupNorm(groups, width, eps=1e-5)
        self.out_conv = nn.Conv2d(width, config["imageChannels"], 3, padding=1)
        half = base // 2
        frequencies = torch.exp(-torch.log(torch.tensor(10000.0, dtype=torch.float64))
                                * torch.arange(half, dtype=torch.float64) / half)
        self.register_buffer("frequencies", frequencies, persistent=False)

    def sinusoid(self, times):
        # Swift: t = Double(Float(time) * 1000); [cos(t·ω_i) | sin(t·ω_i)] in Double, then Float.
        t = (times.float() * 1000.0).double()[:, None] * self.frequencies[None, :]
        return torch.cat([torch.cos(t), torch.sin(t)], dim=1).float()

    def forward(self, x, times, labels):
        """x [N, C, H, W] -> velocity [N, C, H, W]."""
        hidden = self.time_linear2(F.silu(self.time_linear1(self.sinusoid(times))))
        activated = F.silu(hidden + self.label_embedding(labels))
        h, skips = x, []
        for kind, key in self.steps:
            if kind == "residual":
                h = self.layers[key](h, activated)
            elif kind == "attention" or kind == "conv":
                h = self.layers[key](h)
            elif kind == "push":
                skips.append(h)
            elif kind == "concat":
                h = torch.cat([h, skips.pop()], dim=1)
            elif kind == "upsample":
                h = F.interpolate(h, scale_factor=2, mode="nearest")
        return self.out_conv(F.silu(self.out_norm(h)))


def torch_parameter(model, swift_name):
    """The torch tensor that holds the Swift parameter `swift_name` (without the `model.` prefix)."""
    special = {
        "time.linear1": model.time_linear1, "time.linear2": model.time_linear2,
        "label.embedding": model.label_embedding, "out.norm": model.out_norm, "out.conv": model.out_conv,
    }
    module_path, leaf = swift_name.rsplit(".", 1)
    if module_path in special:
        return getattr(special[module_path], leaf)
    # Longest registered step name that prefixes the module path, then the rest as attributes.
    for key, module in model.layers.items():
        name = key.replace("/", ".")
        if module_path == name or module_path.startswith(name + "."):
            rest = module_path[len(name) + 1:]
            for part in filter(None, rest.split(".")):
                module = getattr(module, part)
            return getattr(module, leaf)
    raise KeyError(swift_name)


def load_swift_weights(model, tensors):
    """Copies every `model.*` tensor into the torch model, transposing to torch's layouts."""
    loaded = set()
    with torch.no_grad():
        for full_name, value in tensors.items():
            if not full_name.startswith("model."):
                continue
            name = full_name[len("model."):]
            target = torch_parameter(model, name)
            value = torch.from_numpy(np.ascontiguousarray(value))
            if value.dim() == 4:            # conv [k, k, Cin, Cout] -> [Cout, Cin, k, k]
                value = value.permute(3, 2, 0, 1)
            elif value.dim() == 2 and not name.startswith("label."):  # Linear [in, out] -> [out, in]
                value = value.t()
            if tuple(target.shape) != tuple(value.shape):
                raise ValueError(f"{name}: torch {tuple(target.shape)} vs converted Swift {tuple(value.shape)}")
            target.copy_(value)
            loaded.add(id(target))
    missing = [n for n, p in model.named_parameters() if id(p) not in loaded]
    if missing:
        raise ValueError(f"torch parameters not loaded from the dump: {missing}")
    return len(loaded)


# ---------------------------------------------------------------------------------------------

def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run_swift(kac_bench, arguments):
    result = subprocess.run([kac_bench, "peer-dump"] + arguments, check=True, capture_output=True, text=True)
    return result.stdout


def parse_swift_times(output):
    rows = {}
    for line in output.splitlines():
        match = re.match(r"PEER time side=swift pass=(\w+) batch=(\d+) seconds=([\d.]+)", line)
        if match:
            rows[(match.group(1), int(match.group(2)))] = float(match.group(3))
    return rows


def best_seconds(body, repetitions):
    body()  # warm-up (oneDNN primitive creation, allocator)
    fastest = float("inf")
    for _ in range(max(repetitions, 1)):
        start = time.perf_counter()
        body()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def torch_inputs(batch, config, generator, channels_last):
    c, h, w = config["imageChannels"], config["imageHeight"], config["imageWidth"]
    x = torch.randn(batch, c, h, w, generator=generator)
    target = torch.randn(batch, c, h, w, generator=generator)
    times = torch.rand(batch, generator=generator)
    labels = torch.randint(0, config["classCount"] + 1, (batch,), generator=generator)
    if channels_last:
        x, target = x.contiguous(memory_format=torch.channels_last), target.contiguous(memory_format=torch.channels_last)
    return x, times, labels, target


def time_torch(model, config, batches, repetitions, backward, channels_last):
    generator = torch.Generator().manual_seed(2)
    rows = {}
    for batch in batches:
        x, times, labels, target = torch_inputs(batch, config, generator, channels_last)

        def forward():
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                model(x, times, labels)
        rows[("fwd", batch)] = best_seconds(forward, repetitions)
        if backward:
            def forward_backward():
                model.zero_grad(set_to_none=False)
                F.mse_loss(model(x, times, labels), target).backward()
            rows[("fwdbwd", batch)] = best_seconds(forward_backward, repetitions)
    return rows


def onnx_session(model, x, times, labels, directory):
    """The torch model exported to ONNX (dynamic batch) and an ONNX Runtime CPU session over it."""
    import onnxruntime
    path = os.path.join(directory, "unet.onnx")
    export_arguments = dict(input_names=["x", "times", "labels"], output_names=["velocity"], opset_version=17,
                            dynamic_axes={"x": {0: "n"}, "times": {0: "n"}, "labels": {0: "n"}, "velocity": {0: "n"}})
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice; it still exports
        try:
            torch.onnx.export(model, (x, times, labels), path, dynamo=False, **export_arguments)
        except TypeError:  # a torch without the dynamo switch exports by tracing anyway
            torch.onnx.export(model, (x, times, labels), path, **export_arguments)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    # ORT's pool spins between parallel regions like libgomp's ACTIVE policy; follow --omp-wait-policy.
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if args.omp_wait_policy == "ACTIVE" else "0")
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    return session, onnxruntime.__version__


def run_onnx(session, x, times, labels):
    return session.run(None, {"x": x.contiguous().numpy(), "times": times.float().numpy(),
                              "labels": labels.long().numpy()})[0]


def time_onnx(session, config, batches, repetitions):
    generator = torch.Generator().manual_seed(2)
    rows = {}
    for batch in batches:
        x, times, labels, _ = torch_inputs(batch, config, generator, False)
        rows[("fwd", batch)] = best_seconds(lambda: run_onnx(session, x, times, labels), repetitions)
    return rows


def main():
    kac_bench = os.path.abspath(args.kac_bench)
    if not os.access(kac_bench, os.X_OK):
        sys.exit(f"no kac-bench binary at {kac_bench}: cd .. && swift build -c release --product kac-bench")
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, ISA {torch.backends.cpu.get_cpu_capability()}, "
          f"threads {torch.get_num_threads()} (interop {torch.get_num_interop_threads()}), "
          f"mkldnn {torch.backends.mkldnn.is_available()}, torch-isa option {args.torch_isa}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}, "
          f"channels_last {args.channels_last}")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}, load average {load_average()}")

    # --- correctness -------------------------------------------------------------------------
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "peer.safetensors")
        dump_arguments = ["--output", path, "--batch", str(args.dump_batch), "--seed", str(args.seed)]
        if args.checkpoint:
            dump_arguments += ["--checkpoint", os.path.abspath(args.checkpoint)]
        run_swift(kac_bench, dump_arguments)
        tensors = load_file(path)
        with safe_open(path, framework="numpy") as f:
            metadata = f.metadata()
    config = json.loads(metadata["unet.configuration"])
    model = UNet(config)
    count = load_swift_weights(model, tensors)
    parameters = sum(p.numel() for p in model.parameters())
    x = torch.from_numpy(tensors["peer.x"]).permute(0, 3, 1, 2).contiguous()   # NHWC -> NCHW
    times = torch.from_numpy(tensors["peer.times"])
    labels = torch.from_numpy(tensors["peer.labels"]).long()
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        velocity = model(x, times, labels).permute(0, 2, 3, 1).numpy()           # NCHW -> NHWC
    reference = tensors["peer.velocity"]
    difference = float(np.max(np.abs(velocity - reference)))
    scale = float(np.max(np.abs(reference)))
    ok = difference <= args.tolerance
    print(f"OpenBLAS core (from the dump): {metadata.get('openblas.core')}")
    print(f"loaded {count} tensors, {parameters} parameters; batch {x.shape[0]} (Swift micro-batch "
          f"{metadata.get('unet.microBatchSize')}); max |velocity| {scale:.4f}")
    print(f"max abs difference Swift vs torch: {difference:.3e} (tolerance {args.tolerance:g}) -> "
          f"{'OK' if ok else 'FAIL'}")
    if not ok:
        sys.exit(1)
    session, onnx_note = None, ""
    if args.onnx and args.bf16:
        onnx_note = "ONNX Runtime not timed: its CPU provider has no bf16 autocast (the fp32 run times it)."
    elif args.onnx:
        onnx_directory = tempfile.TemporaryDirectory()
        session, ort_version = onnx_session(model, x.contiguous(), times, labels, onnx_directory.name)
        onnx_difference = float(np.max(np.abs(np.transpose(run_onnx(session, x, times, labels), (0, 2, 3, 1)) - reference)))
        onnx_ok = onnx_difference <= args.tolerance
        print(f"ONNX Runtime {ort_version} (CPUExecutionProvider, {args.threads} intra-op threads, spinning "
              f"{'on' if args.omp_wait_policy == 'ACTIVE' else 'off'}, opset 17): "
              f"max abs difference vs Swift {onnx_difference:.3e} -> {'OK' if onnx_ok else 'FAIL'}")
        if not onnx_ok:
            sys.exit(1)
    if args.check_only:
        return

    # --- timing, interleaved -------------------------------------------------------------------
    swift_arguments = ["--seed", str(args.seed), "--repetitions", str(args.repetitions),
                       "--batches"] + [str(b) for b in args.batches]
    if args.backward:
        swift_arguments.append("--backward")
    if args.bf16:
        if args.backward:
            sys.exit("--bf16 times the forward pass only (training stays fp32); drop --backward")
        swift_arguments.append("--bf16")
    best = {"swift": {}, "torch": {}, "onnx": {}}
    loads = [load_average()]
    swift_info = ""
    for round_index in range(args.rounds):
        output = run_swift(kac_bench, swift_arguments)
        swift_info = next((l for l in output.splitlines() if l.startswith("PEER info")), swift_info)
        sides = [("swift", parse_swift_times(output)),
                 ("torch", time_torch(model, config, args.batches, args.repetitions, args.backward, args.channels_last))]
        if session is not None:
            sides.append(("onnx", time_onnx(session, config, args.batches, args.repetitions)))
        for side, rows in sides:
            for key, seconds in rows.items():
                best[side][key] = min(best[side].get(key, float("inf")), seconds)
            summary = "  ".join(f"{p}@{b} {b / s:.1f}/s" for (p, b), s in sorted(rows.items()))
            print(f"round {round_index + 1} {side:5s}: {summary}")
        loads.append(load_average())
    print(f"Swift: {swift_info.replace('PEER info ', '')}")
    print(f"load average (1/5/15 min) before and after each round: {' | '.join(loads)}")
    print()
    passes = ["fwd"] + (["fwdbwd"] if args.backward else [])
    print(f"precision {'bf16 (Swift --bf16, torch autocast)' if args.bf16 else 'fp32'}")
    onnx_header = "  ORT img/s  Swift/ORT" if session is not None else ""
    print(f"pass    batch  Swift img/s  torch img/s  Swift/torch{onnx_header}  threads  kernels")
    kernels = f"OpenBLAS {metadata.get('openblas.core')} / torch {torch.backends.cpu.get_cpu_capability()}"
    for p in passes:
        for batch in args.batches:
            swift, torch_ = batch / best["swift"][(p, batch)], batch / best["torch"][(p, batch)]
            onnx = ""
            if session is not None and (p, batch) in best["onnx"]:
                rate = batch / best["onnx"][(p, batch)]
                onnx = f"  {rate:9.1f}  {swift / rate:9.2f}"
            elif session is not None:
                onnx = f"  {'-':>9s}  {'-':>9s}"
            print(f"{p:7s} {batch:5d}  {swift:11.1f}  {torch_:11.1f}  {swift / torch_:11.2f}{onnx}  "
                  f"{'2/' + str(args.threads):>7s}  {kernels}")
    if onnx_note:
        print(onnx_note)
    print(f"max abs difference of outputs (batch {args.dump_batch}): {difference:.3e}")
    print(f"best of {args.rounds} rounds x {args.repetitions} repetitions per side; Swift/torch > 1 means Swift is faster.")


if __name__ == "__main__":
    main()
