#!/usr/bin/env python3
"""Checks dcplan's DC load flow against pandapower and races the N-1 hosting-capacity map.

    pip install pandapower matpowercaseframes numba
    cargo build --release
    python3 benches/grid_pandapower.py [--snapshot summer_peak] [--buses 3] [--repeat 3]

1. `dcplan grid export` writes the network and snapshot as a MATPOWER case with a JSON sidecar
   (bus and branch names, dcplan's own flows, the participation of each bus in a new load,
   the credible outages, the distribution-factor cutoff).
2. pandapower loads the case (`from_mpc`), runs `rundcpp`, and the flows are compared with
   dcplan's: the largest difference relative to the largest flow.
3. Brute force with pandapower, on a sample of buses: for the base case and every credible
   single-circuit outage, the network is changed (a single-circuit branch taken out of service,
   a multi-circuit branch given the reactance of its remaining circuits) and solved with
   `rundcpp` once without the new load and once with a 100 MW test load at the bus, met by the
   participating plants' buses. DC flow is linear in the load, so the two solves give each
   branch's distribution factor and the load at which it reaches its rating (normal in the base
   case, emergency after an outage); constraints follow dcplan's rule (distribution factor at
   least the cutoff, not already violated). The hosting capacity is the smallest such load,
   capped at the participating plants' spare capacity, and is compared with dcplan's.
   The all-bus time is EXTRAPOLATED from the sample: the shared no-load solves once, plus the
   measured time per sampled bus times the number of buses.
4. `dcplan grid capacity` for the same snapshot and all buses is timed (the whole command:
   reading the files, factor, PTDF, outage factors, screen, output), on the CPU and, where a
   GPU adapter exists, with --backend gpu; the ratio is printed with machine and versions.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np


def run(cmd):
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr}")
    return dt, out


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def branch_flows(net, lookup):
    """pandapower's from-side flow of every case branch, in case order."""
    out = np.empty(len(lookup))
    line = net.res_line.p_from_mw.to_numpy()
    imp = net.res_impedance.p_from_mw.to_numpy() if len(net.impedance) else None
    trafo = net.res_trafo.p_hv_mw.to_numpy() if len(net.trafo) else None
    for k, (element, kind) in enumerate(lookup):
        if kind == "line":
            out[k] = line[element]
        elif kind == "impedance":
            out[k] = imp[element]
        else:
            out[k] = trafo[element]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dcplan", default="target/release/dcplan")
    ap.add_argument("--network", default="sites/grid")
    ap.add_argument("--snapshot", default="summer_peak")
    ap.add_argument("--buses", type=int, default=3, help="buses in the brute-force sample")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each dcplan timing")
    ap.add_argument("--test-load-mw", type=float, default=100.0)
    args = ap.parse_args()

    import pandapower as pp
    from pandapower.converter.matpower import from_mpc

    work = tempfile.mkdtemp(prefix="dcplan-pp-")
    run([args.dcplan, "grid", "export", "--network", args.network, "--snapshot", args.snapshot, "--out", work])
    case = os.path.join(work, f"dcplan_{args.snapshot}.m")
    side = json.load(open(os.path.join(work, f"dcplan_{args.snapshot}.json")))
    n_bus = len(side["buses"])
    n_branch = len(side["branches"])

    # --- 1. flows
    t = time.perf_counter()
    net = from_mpc(case, f_hz=60)
    load_s = time.perf_counter() - t
    lookup = [(int(r.element), r.element_type) for r in net["_from_ppc_lookups"]["branch"].itertuples()]
    assert len(lookup) == n_branch
    pp.rundcpp(net)  # also compiles numba code, kept out of the timings
    t = time.perf_counter()
    pp.rundcpp(net)
    one_run_s = time.perf_counter() - t
    pp_flows = branch_flows(net, lookup)
    ours = np.array(side["dcplan_flow_mw"])
    scale = np.abs(pp_flows).max()
    rel = np.abs(pp_flows - ours).max() / scale
    print(f"flows: {n_branch} branches, max |pandapower - dcplan| / max |flow| = {rel:.2e} "
          f"(max flow {scale:.1f} MW)")

    # --- 3. brute force on a sample of buses
    mpc_branch = []
    with open(case) as f:
        text = f.read()
    body = text[text.index("mpc.branch = [") :]
    for line in body.splitlines()[1:]:
        if line.strip().startswith("]"):
            break
        mpc_branch.append([float(x) for x in line.strip().rstrip(";").split()])
    mpc_branch = np.array(mpc_branch)
    normal = mpc_branch[:, 5]
    emergency = mpc_branch[:, 6]
    circuits = np.array(side["circuits"])
    alpha = np.array(side["participation"])
    cap = side["participating_headroom_mw"]
    cutoff = side["dfax_cutoff"]
    eps = side["room_eps_mw"]
    outages = side["credible_outages"]

    # dcplan's own answers for the sample
    dt, out = run([args.dcplan, "--backend", "cpu", "-q", "grid", "capacity", "--network", args.network,
                   "--snapshot", args.snapshot, "--format", "json"])
    dc = json.loads(out.stdout)
    dc_mw = {b["bus"]: b["snapshots"][0]["hosting_mw"] for b in dc["buses"]}
    sample = [int(round(i)) for i in np.linspace(0, n_bus - 1, args.buses)]

    # the test load at the bus and its supply at the participating buses, as loads
    test = args.test_load_mw
    supply = [j for j in range(n_bus) if alpha[j] > 0]
    extra = pp.create_loads(net, [0] * (1 + len(supply)), p_mw=0.0)
    extra = list(extra)

    def set_load(bus):
        net.load.at[extra[0], "bus"] = 0 if bus is None else bus
        net.load.at[extra[0], "p_mw"] = 0.0 if bus is None else test
        for e, j in zip(extra[1:], supply):
            net.load.at[e, "p_mw"] = 0.0 if bus is None else -test * alpha[j]

    for e, j in zip(extra[1:], supply):
        net.load.at[e, "bus"] = j

    def apply_outage(k, undo=False):
        element, kind = lookup[k]
        n = circuits[k]
        table = net.line if kind == "line" else net.impedance
        if n == 1:
            table.loc[element, "in_service"] = undo
            return
        factor = (n - 1) / n if undo else n / (n - 1)
        cols = ["x_ohm_per_km"] if kind == "line" else ["xft_pu", "xtf_pu"]
        for c in cols:
            table.loc[element, c] = table.loc[element, c] * factor

    best = {b: cap for b in sample}
    runs = 0
    t_shared = 0.0
    t_bus = 0.0
    t0 = time.perf_counter()
    for case_index, k in enumerate([None] + outages):
        if k is not None:
            apply_outage(k)
        rating = normal.copy() if k is None else emergency.copy()
        if k is not None:
            rating[k] = emergency[k] * (circuits[k] - 1) / circuits[k] if circuits[k] > 1 else np.nan
        ts = time.perf_counter()
        set_load(None)
        pp.rundcpp(net)
        f0 = branch_flows(net, lookup)
        t_shared += time.perf_counter() - ts
        runs += 1
        up = np.where(rating - f0 > eps, rating - f0, np.nan)
        down = np.where(rating + f0 > eps, rating + f0, np.nan)
        for b in sample:
            tb = time.perf_counter()
            set_load(b)
            pp.rundcpp(net)
            f1 = branch_flows(net, lookup)
            t_bus += time.perf_counter() - tb
            runs += 1
            sigma = (f1 - f0) / test
            room = np.where(sigma > 0, up, down)
            ok = (np.abs(sigma) >= cutoff) & np.isfinite(room)
            if ok.any():
                best[b] = min(best[b], float(np.min(room[ok] / np.abs(sigma[ok]))))
        if k is not None:
            apply_outage(k, undo=True)
    brute_s = time.perf_counter() - t0
    per_bus_s = t_bus / len(sample)
    extrapolated_s = t_shared + per_bus_s * n_bus
    worst = 0.0
    for b in sample:
        name = side["buses"][b]
        diff = abs(best[b] - dc_mw[name])
        worst = max(worst, diff)
        print(f"  bus {name}: pandapower brute force {best[b]:.3f} MW, dcplan {dc_mw[name]:.3f} MW")
    print(f"brute force: {len(sample)} buses x {len(outages) + 1} cases, {runs} rundcpp runs in "
          f"{brute_s:.1f} s (shared no-load solves {t_shared:.1f} s, {per_bus_s:.1f} s per bus); "
          f"max |difference| {worst:.4f} MW (dcplan rounds to 0.001 MW)")
    print(f"pandapower all {n_bus} buses, EXTRAPOLATED from the sample: {extrapolated_s:.0f} s")

    # --- 4. dcplan timings, whole command
    def timed(extra_args):
        times = []
        for _ in range(args.repeat):
            dt, _ = run([args.dcplan, *extra_args, "-q", "grid", "capacity", "--network", args.network,
                         "--snapshot", args.snapshot, "--format", "csv", "--out", os.path.join(work, "c.csv")])
            times.append(dt)
        return times

    cpu_times = timed(["--backend", "cpu"])
    print(f"dcplan --backend cpu grid capacity --snapshot {args.snapshot}: "
          + ", ".join(f"{t:.3f}" for t in cpu_times) + " s")
    gpu_times = None
    try:
        gpu_times = timed(["--backend", "gpu"])
        print(f"dcplan --backend gpu grid capacity --snapshot {args.snapshot}: "
              + ", ".join(f"{t:.3f}" for t in gpu_times) + " s")
    except SystemExit as e:
        print(f"dcplan --backend gpu: not run ({str(e).splitlines()[0]})")

    best_cpu = min(cpu_times)
    print(f"ratio pandapower (extrapolated) / dcplan cpu = {extrapolated_s / best_cpu:.0f}x")
    if gpu_times:
        print(f"ratio pandapower (extrapolated) / dcplan gpu = {extrapolated_s / min(gpu_times):.0f}x")
    _, adapters = run([args.dcplan, "adapters"])
    print("machine:", platform.platform(), "|", cpu_model(), "|", os.cpu_count(), "logical CPUs")
    print("versions: python", platform.python_version(), "| pandapower", pp.__version__, "| numpy",
          np.__version__, end="")
    try:
        import numba
        print(" | numba", numba.__version__)
    except ImportError:
        print(" | numba not installed (pandapower runs slower without it)")
    print("adapters:", " / ".join(l.strip() for l in adapters.stdout.splitlines() if l.strip()))
    print(f"pandapower single rundcpp {one_run_s * 1000:.1f} ms; case load {load_s:.2f} s")
    print("commands:", " ".join(sys.argv), "|",
          f"{args.dcplan} grid export --network {args.network} --snapshot {args.snapshot} --out DIR |",
          f"{args.dcplan} --backend cpu|gpu -q grid capacity --network {args.network} "
          f"--snapshot {args.snapshot} --format csv --out FILE")


if __name__ == "__main__":
    main()
