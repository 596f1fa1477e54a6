#!/usr/bin/env python3
"""Race dcplan's CPU solver against HYPRE (PFMG and BoomerAMG under Krylov) and pyamg on one system.

Usage:
  benches/solver_race.py [--sizes 1024,2048] [--system DIR ...] [--dcplan PATH] [--rtol 1e-6]
                         [--repeat 3] [--ranks 1,2] [--krylov gmres,bicgstab] [--work DIR]
                         [--out race.json]
  benches/solver_race.py --self-test [--dcplan PATH]

For each size N it exports dcplan's benchmark system (`dcplan bench --export DIR --sizes N`),
then, in rounds, times every entrant on that same system to the same relative residual
||b - Ax||2 / ||b||2 <= rtol, each round in a rotated order so load drift hits all alike:

  dcplan        `dcplan --backend cpu bench --sizes N --rtol R --json` (all cores' threads), and
                under `taskset -c 0` (one thread) when --ranks holds 1;
  HYPRE         benches/hypre/build/driver under `mpirun -n R` for each R in --ranks: PFMG-PCG
                on the Struct interface and BoomerAMG-PCG on the IJ interface, each its own run;
  pyamg         classical Ruge-Stuben AMG as the preconditioner of CG, one thread, in this
                process (the matrix is read once, outside the timing).

A nonsymmetric system (A.mtx stored `coordinate real general`, as `dcplan bench --hall-air`
exports the hall's advection-diffusion operator) is raced by the methods that accept one:

  HYPRE         PFMG and BoomerAMG each under every Krylov method in --krylov (default GMRES(30)
                and BiCGSTAB, both right-preconditioned, so they stop on the true residual);
  pyamg         BiCGSTAB (right-preconditioned, stopping on ||b - Ax|| like the others; pyamg's
                GMRES is left-preconditioned and stops on the preconditioned residual instead)
                preconditioned by classical Ruge-Stuben AMG (the upwind operator is an M-matrix)
                and, separately, by AIR, pyamg's approximate-ideal-restriction AMG for advection.
                (Smoothed aggregation with symmetry='nonsymmetric' was tried on a 256 x 256
                advection case: a setup over ten times AIR's, so it is left out.)

It prints a table, for each entrant the round with its median total time, with the ratio
dcplan total / each entrant's total (below 1: dcplan is faster), and writes a JSON with the machine, the versions, every run and its
exact command. `--system DIR` adds an exported system of any nx x ny: DIR holds A.mtx (coordinate
real symmetric or general, 5-point, cell index = j*nx + i), b.mtx, and meta.json {"nx": .., "ny": ..};
meta.json may add "name" and "dcplan_args", the dcplan arguments that re-solve that system and
print JSON records with setup_s, solve_s and total_s ("{rtol}" is replaced by --rtol). Without
dcplan_args, dcplan's times come from DIR/dcplan.json when it exists, marked as not re-timed.

`--self-test` solves small systems (dcplan's 64 x 64 benchmark, a 48 x 80 one with 1e6
conductivity contrast built here, and two nonsymmetric ones: a 48 x 80 upwind advection-diffusion
in a recirculating flow built here and dcplan's hall air system at 0.3 m) with every solver,
recomputes each solver's residual here from its solution, checks that it agrees with what the
driver reported and is <= rtol, checks that the driver rejects a matrix off the 5-point stencil
(symmetric and general storage) and PCG on a general matrix, and runs the race itself.

Needs: Debian's libhypre-dev, libopenmpi-dev and openmpi-bin (the driver is built with make),
numpy, scipy and pyamg (pip install pyamg), and a release build of dcplan.
"""
import argparse
import datetime
import hashlib
import json
import os
import pathlib
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
DRIVER_DIR = REPO / "benches" / "hypre"
DRIVER = DRIVER_DIR / "build" / "driver"
HYPRE_SOLVERS = ("pfmg", "boomeramg")
KRYLOV = ("gmres", "bicgstab")  # for general matrices; symmetric ones get PCG
PYAMG_NONSYMMETRIC = ("rs-bicgstab", "air-bicgstab")


class InputError(Exception):
    """Bad input: a clear message, exit code 2."""


# ---- environment -------------------------------------------------------------------------

def mpi_env():
    env = dict(os.environ)
    if os.geteuid() == 0:  # Open MPI refuses root without these; MPICH ignores them
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    return env


def build_driver():
    if shutil.which("mpicc") is None or shutil.which("mpirun") is None:
        raise InputError("mpicc/mpirun not found: apt-get install -y libhypre-dev libopenmpi-dev openmpi-bin")
    if not pathlib.Path("/usr/include/hypre/HYPRE.h").exists() and "HYPRE_INCLUDE" not in os.environ:
        raise InputError("HYPRE headers not found in /usr/include/hypre: apt-get install -y libhypre-dev "
                         "(or set HYPRE_INCLUDE)")
    done = subprocess.run(["make", "-s", "-C", str(DRIVER_DIR)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"building {DRIVER} failed:\n{done.stdout}{done.stderr}")


def first_line(cmd):
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        text = (done.stdout or done.stderr).strip()
        return text.splitlines()[0] if text else ""
    except (OSError, subprocess.TimeoutExpired):
        return ""


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def machine():
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {
        "cpu_model": model or platform.processor(),
        "logical_cpus": os.cpu_count(),
        "cpus_available": len(os.sched_getaffinity(0)),
        "memory_gib": round(mem_kib / 2**20, 1),
        "kernel": platform.release(),
        "hostname": platform.node(),
    }


def versions(dcplan):
    import numpy
    import scipy
    import pyamg
    out = {}
    if dcplan is not None:
        out.update({
            "dcplan": first_line([str(dcplan), "--version"]),
            "dcplan_binary": str(dcplan),
            "dcplan_sha256": sha256(dcplan),
            "dcplan_mtime": datetime.datetime.fromtimestamp(dcplan.stat().st_mtime).isoformat(timespec="seconds"),
        })
    out.update({
        "mpi": first_line(["mpirun", "--version"]),
        "mpicc": first_line(["mpicc", "--version"]),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "pyamg": pyamg.__version__,
        "harness_commit": first_line(["git", "-C", str(REPO), "rev-parse", "HEAD"]),
    })
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True)
    out["harness_dirty"] = bool(dirty.stdout.strip()) if dirty.returncode == 0 else None
    return out


def load_average():
    try:
        return [float(v) for v in open("/proc/loadavg").read().split()[:3]]
    except OSError:
        return None


# ---- systems -----------------------------------------------------------------------------

def matrix_storage(path):
    """'symmetric' or 'general', from a Matrix Market coordinate file's header line."""
    with open(path) as f:
        banner = f.readline().split()
    if (len(banner) != 5 or banner[0].lower() != "%%matrixmarket"
            or [w.lower() for w in banner[1:4]] != ["matrix", "coordinate", "real"]
            or banner[4].lower() not in ("symmetric", "general")):
        raise InputError(f"{path}: line 1: expected '%%MatrixMarket matrix coordinate real "
                         f"symmetric|general', found '{' '.join(banner)}'")
    return banner[4].lower()


def read_meta(folder):
    """Grid shape, storage and optional dcplan command of an exported system."""
    meta = read_shape(folder)
    storage = matrix_storage(folder / "A.mtx")
    said = meta.get("symmetric")
    if said is not None and (not isinstance(said, bool) or said != (storage == "symmetric")):
        raise InputError(f"{folder / 'meta.json'}: field symmetric: {said!r}, but A.mtx is stored '{storage}'")
    return {**meta, "symmetric": storage == "symmetric"}


def read_shape(folder):
    meta_path = folder / "meta.json"
    for name in ("A.mtx", "b.mtx"):
        if not (folder / name).is_file():
            raise InputError(f"{folder / name}: missing (an exported system needs A.mtx and b.mtx)")
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text())
        except json.JSONDecodeError as e:
            raise InputError(f"{meta_path}: line {e.lineno}: not JSON: {e.msg}") from None
        for key in ("nx", "ny"):
            if not isinstance(meta.get(key), int) or meta[key] < 1:
                raise InputError(f"{meta_path}: field {key}: expected a positive integer")
        if "dcplan_args" in meta and not (isinstance(meta["dcplan_args"], list)
                                          and all(isinstance(a, str) for a in meta["dcplan_args"])):
            raise InputError(f"{meta_path}: field dcplan_args: expected a list of strings")
        return meta
    record = folder / "dcplan.json"
    if record.is_file():  # a bench export: square, n from dcplan's record
        n = json.loads(record.read_text()).get("n")
        if isinstance(n, int) and n > 0:
            return {"nx": n, "ny": n}
    raise InputError(f"{meta_path}: missing; write {{\"nx\": .., \"ny\": ..}} (cell index = j*nx + i)")


def export_bench(dcplan, n, rtol, folder):
    cmd = [str(dcplan), "-q", "--backend", "cpu", "bench", "--sizes", str(n), "--rtol", repr(rtol),
           "--json", "--export", str(folder)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    meta = {
        "nx": n, "ny": n, "name": f"bench {n}x{n}",
        "source": "dcplan bench --export",
        "dcplan_args": ["--backend", "cpu", "bench", "--sizes", str(n), "--rtol", "{rtol}", "--json"],
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return cmd


# ---- entrants ----------------------------------------------------------------------------

def parse_json_lines(text, what):
    records = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                raise RuntimeError(f"{what}: a line is not JSON: {line[:200]}") from None
    return records


def run_dcplan(dcplan, args, rtol, one_thread):
    cmd = [str(dcplan), "-q"] + [a.replace("{rtol}", repr(rtol)) for a in args]
    if one_thread:
        cmd = ["taskset", "-c", str(min(os.sched_getaffinity(0)))] + cmd
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    records = parse_json_lines(done.stdout, shlex.join(cmd))
    if len(records) != 1:
        raise RuntimeError(f"{shlex.join(cmd)}: expected one JSON record, got {len(records)}")
    rec = records[0]
    for key in ("setup_s", "solve_s", "total_s"):
        if not isinstance(rec.get(key), (int, float)):
            raise RuntimeError(f"{shlex.join(cmd)}: the record has no numeric '{key}' (keys: {sorted(rec)})")
    iterations = rec.get("cycles", rec.get("iterations"))
    return cmd, {
        "setup_s": rec["setup_s"], "solve_s": rec["solve_s"], "total_s": rec["total_s"],
        "iterations": iterations, "rel_residual": rec.get("rel_residual"),
        "detail": rec.get("adapter", ""), "record": rec,
    }


def run_hypre(folder, nx, ny, ranks, solver, rtol, x_out=None, krylov=None):
    """One driver solve; krylov None lets the driver choose by the matrix (PCG if symmetric)."""
    cmd = ["mpirun", "-n", str(ranks), str(DRIVER), str(folder), "--nx", str(nx), "--ny", str(ny),
           "--rtol", repr(rtol), "--solver", solver]
    if krylov is not None:
        cmd += ["--krylov", krylov]
    if x_out is not None:
        cmd += ["--x-out", str(x_out)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=mpi_env())
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    records = parse_json_lines(done.stdout, shlex.join(cmd))
    if len(records) != 1:
        raise RuntimeError(f"{shlex.join(cmd)}: expected one JSON record, got {len(records)}")
    rec = records[0]
    return cmd, {
        "setup_s": rec["setup_s"], "solve_s": rec["solve_s"], "total_s": rec["total_s"],
        "iterations": rec["iterations"], "rel_residual": rec["rel_residual"],
        "detail": f"{rec['solver']}; assemble {rec['assemble_s']:.3f} s in setup", "record": rec,
    }


class PyamgSystem:
    """A system held in memory for pyamg: read once, solved each round."""

    def __init__(self, folder):
        import numpy as np
        import scipy.io
        import scipy.sparse
        self.np = np
        self.A = scipy.sparse.csr_matrix(scipy.io.mmread(folder / "A.mtx"))
        self.b = np.asarray(scipy.io.mmread(folder / "b.mtx"), dtype=float).ravel()
        self.b_norm = float(np.linalg.norm(self.b))
        # dcplan's own solution, when the export has one, to set pyamg's beside it
        x_path = folder / "x.mtx"
        self.x_dcplan = np.asarray(scipy.io.mmread(x_path), dtype=float).ravel() if x_path.is_file() else None

    def rel_residual(self, x):
        r = self.b - self.A @ x
        return float(self.np.linalg.norm(r)) / (self.b_norm if self.b_norm > 0 else 1.0)

    def rounding_bound(self, x):
        """A bound on how far two evaluations of ||b - Ax||2 / ||b||2 in f64 can differ:
        each entry of b - Ax is a sum of at most 6 terms, so its rounding error is at most
        about 6 u (|A| |x| + |b|) per entry (u the unit roundoff), with a factor 2 for two
        evaluations."""
        u = self.np.finfo(float).eps / 2
        scale = abs(self.A) @ abs(x) + abs(self.b)
        return 2 * 6 * u * float(self.np.linalg.norm(scale)) / (self.b_norm if self.b_norm > 0 else 1.0)

    def solve(self, rtol, method="rs-cg"):
        """method: rs-cg (symmetric), rs-bicgstab or air-bicgstab (nonsymmetric)."""
        import pyamg
        setup, accel = {"rs-cg": ("ruge_stuben_solver", "cg"),
                        "rs-bicgstab": ("ruge_stuben_solver", "bicgstab"),
                        "air-bicgstab": ("air_solver", "bicgstab")}[method]
        t0 = time.perf_counter()
        ml = getattr(pyamg, setup)(self.A)
        t1 = time.perf_counter()
        residuals = []
        x = ml.solve(self.b, tol=rtol, accel=accel, maxiter=1000, residuals=residuals)
        t2 = time.perf_counter()
        cmd = (f"in process (benches/solver_race.py): A = csr_matrix(mmread('A.mtx')); "
               f"b = mmread('b.mtx'); ml = pyamg.{setup}(A); "
               f"ml.solve(b, tol={rtol!r}, accel='{accel}', maxiter=1000)")
        detail = f"{len(ml.levels)} levels, operator complexity {ml.operator_complexity():.2f}"
        if self.x_dcplan is not None and self.x_dcplan.shape == x.shape:
            spread = float(self.np.ptp(self.x_dcplan)) or 1.0
            detail += (f"; max |x - x_dcplan| / range(x_dcplan) = "
                       f"{float(self.np.abs(x - self.x_dcplan).max()) / spread:.1e}")
        return cmd, x, {
            "setup_s": t1 - t0, "solve_s": t2 - t1, "total_s": t2 - t0,
            "iterations": len(residuals) - 1, "rel_residual": self.rel_residual(x), "detail": detail,
        }


# ---- the race ----------------------------------------------------------------------------

def entrants(system, ranks, dcplan_ok, krylov=KRYLOV):
    """(name, method, how) of each entrant, in the order of round 1. method is the Krylov
    method for HYPRE (None: the driver's choice, PCG for a symmetric matrix), the setup and
    Krylov method for pyamg."""
    out = []
    if system.get("dcplan_args") and dcplan_ok:
        out.append(("dcplan", None, "all threads"))
        if 1 in ranks and shutil.which("taskset") and len(os.sched_getaffinity(0)) > 1:
            out.append(("dcplan", None, "1 thread"))
    methods = [None] if system["symmetric"] else list(krylov)
    for solver in HYPRE_SOLVERS:
        for method in methods:
            for r in ranks:
                out.append((solver, method, f"{r} rank" + ("s" if r > 1 else "")))
    for method in ["rs-cg"] if system["symmetric"] else PYAMG_NONSYMMETRIC:
        out.append(("pyamg", method, "1 thread"))
    return out


KRYLOV_LABEL = {None: "PCG", "pcg": "PCG", "gmres": "GMRES", "bicgstab": "BiCGSTAB"}


def label(entrant, method):
    if entrant == "dcplan":
        return "dcplan"
    if entrant in HYPRE_SOLVERS:
        return f"HYPRE {'PFMG' if entrant == 'pfmg' else 'AMG'}-{KRYLOV_LABEL[method]}"
    setup, accel = (method or "rs-cg").split("-")
    return f"pyamg {setup.upper()}-{KRYLOV_LABEL.get(accel, accel.upper())}"


def race_system(system, dcplan, rtol, repeat, ranks, log, krylov=KRYLOV):
    folder = system["dir"]
    nx, ny = system["nx"], system["ny"]
    log(f"system {system['name']}: {nx} x {ny} from {folder}")
    pyamg_system = PyamgSystem(folder)
    system["unknowns"] = nx * ny
    system["nonzeros"] = int(pyamg_system.A.nnz)
    order = entrants(system, ranks, dcplan is not None, krylov)
    runs = []
    for rnd in range(repeat):
        k = rnd % len(order)
        for name, method, how in order[k:] + order[:k]:  # rotate the start each round
            load = load_average()
            if name == "dcplan":
                cmd, res = run_dcplan(dcplan, system["dcplan_args"], rtol, how == "1 thread")
            elif name in HYPRE_SOLVERS:
                cmd, res = run_hypre(folder, nx, ny, int(how.split()[0]), name, rtol, krylov=method)
            else:
                cmd, _, res = pyamg_system.solve(rtol, method)
            res.update({"entrant": name, "method": method, "how": how, "round": rnd + 1,
                        "load_1min_before": load and load[0],
                        "command": cmd if isinstance(cmd, str) else shlex.join(cmd)})
            runs.append(res)
            log(f"  round {rnd + 1} {label(name, method):<20} {how:<12} total {res['total_s']:8.3f} s  "
                f"iters {res['iterations']}  rel_res {res['rel_residual']:.2e}")
    system["runs"] = runs
    system["summary"] = summarise(system, runs, rtol)
    return system


def summarise(system, runs, rtol):
    rows = []
    keys = []
    for r in runs:
        if (r["entrant"], r.get("method"), r["how"]) not in keys:
            keys.append((r["entrant"], r.get("method"), r["how"]))
    for name, method, how in keys:
        mine = [r for r in runs if r["entrant"] == name and r.get("method") == method and r["how"] == how]
        # the run with the median total (the lower one of an even count), so a row adds up
        middle = sorted(mine, key=lambda r: r["total_s"])[(len(mine) - 1) // 2]
        med = {k: middle[k] for k in ("setup_s", "solve_s", "total_s")}
        residuals = [r["rel_residual"] for r in mine if r["rel_residual"] is not None]
        rows.append({
            "entrant": name, "method": method, "how": how, "runs": len(mine), **med,
            "total_s_all": [r["total_s"] for r in mine],
            "iterations": sorted({r["iterations"] for r in mine}, key=str),
            "max_rel_residual": max(residuals) if residuals else None,
            "met_rtol": all(v <= rtol for v in residuals) if residuals else None,
            "retimed": True, "command": mine[0]["command"], "detail": mine[0]["detail"],
        })
    if not any(r["entrant"] == "dcplan" for r in rows):
        record = system["dir"] / "dcplan.json"
        if record.is_file():
            rec = json.loads(record.read_text())
            rows.insert(0, {
                "entrant": "dcplan", "method": None, "how": "all threads", "runs": 1,
                "setup_s": rec.get("setup_s"), "solve_s": rec.get("solve_s"), "total_s": rec.get("total_s"),
                "total_s_all": [rec.get("total_s")], "iterations": [rec.get("cycles")],
                "max_rel_residual": rec.get("rel_residual"),
                "met_rtol": rec.get("rel_residual") is not None and rec["rel_residual"] <= rtol,
                "retimed": False, "command": f"recorded in {record}",
                "detail": f"{rec.get('adapter', '')}; not re-timed in this run",
            })
    base = {r["how"]: r["total_s"] for r in rows if r["entrant"] == "dcplan" and r["total_s"]}
    for r in rows:
        r["dcplan_all_threads_over_this"] = (base["all threads"] / r["total_s"]
                                             if "all threads" in base and r["total_s"] else None)
        r["dcplan_1_thread_over_this"] = (base["1 thread"] / r["total_s"]
                                          if "1 thread" in base and r["total_s"] else None)
    return rows


def print_table(system, rtol, out=sys.stdout):
    loads = [r["load_1min_before"] for r in system["runs"] if r.get("load_1min_before") is not None]
    print(f"\n{system['name']}: {system['nx']} x {system['ny']} = {system['unknowns']:,} unknowns, "
          f"{system['nonzeros']:,} nonzeros, {'symmetric' if system['symmetric'] else 'nonsymmetric'}, "
          f"relative residual <= {rtol:g}; "
          f"the run with the median total of {max(r['runs'] for r in system['summary'])}"
          + (f"; 1-min load average {min(loads):.2f}-{max(loads):.2f}" if loads else ""), file=out)
    head = (f"{'solver':<21} {'parallel':<12} {'setup_s':>8} {'solve_s':>8} {'total_s':>8} "
            f"{'iters':>6} {'max_rel_res':>11} {'dcplan/this':>11} {'dcplan1t/this':>13}")
    print(head, file=out)
    print("-" * len(head), file=out)
    for r in system["summary"]:
        def ratio(v):
            return f"{v:.2f}" if v is not None else "-"
        iters = ",".join(str(i) for i in r["iterations"])
        res = f"{r['max_rel_residual']:.2e}" if r["max_rel_residual"] is not None else "-"
        mark = "" if r["met_rtol"] else " !"
        star = "" if r["retimed"] else " *"
        print(f"{label(r['entrant'], r.get('method')) + star:<21} {r['how'][:12]:<12} {r['setup_s']:>8.3f} {r['solve_s']:>8.3f} "
              f"{r['total_s']:>8.3f} {iters:>6} {res:>11} "
              f"{ratio(r['dcplan_all_threads_over_this']):>11} {ratio(r['dcplan_1_thread_over_this']):>13}{mark}",
              file=out)
    for r in system["runs"]:  # dcplan's own smoother figure from its median run (issue 8's 60 % goal)
        rec = r.get("record", {})
        if (r["entrant"] == "dcplan" and r["how"] == "all threads" and "bandwidth_fraction" in rec
                and r["total_s"] == next(x["total_s"] for x in system["summary"]
                                         if x["entrant"] == "dcplan" and x["how"] == "all threads")):
            print(f"  dcplan smoother (all threads): {rec['smoother_gbps']:.1f} GB/s against a copy at "
                  f"{rec['copy_gbps']:.1f} GB/s in the same run, ratio {rec['bandwidth_fraction']:.2f}", file=out)
            break
    if any(not r["retimed"] for r in system["summary"]):
        print("  * dcplan's time recorded at export, not re-timed in this run", file=out)
    if any(not r["met_rtol"] for r in system["summary"]):
        print("  ! did not reach the relative residual target in every run", file=out)


def race(args, log):
    dcplan = resolve_dcplan(args.dcplan, required=bool(args.sizes))
    build_driver()
    work = pathlib.Path(args.work) if args.work else pathlib.Path(tempfile.mkdtemp(prefix="solver-race-"))
    work.mkdir(parents=True, exist_ok=True)
    report = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(dcplan),
        "rtol": args.rtol, "repeat": args.repeat, "ranks": args.ranks,
        "krylov_for_general": list(getattr(args, "krylov", None) or KRYLOV),
        "load_average_before": load_average(),
        "invocation": shlex.join([sys.executable] + sys.argv),
        "systems": [], "export_commands": [],
    }
    if report["load_average_before"] and report["load_average_before"][0] > 0.5:
        log(f"warning: 1-minute load average is {report['load_average_before'][0]:.2f}; "
            f"the figures are only fair on a quiet machine")
    systems = []
    for n in args.sizes:
        folder = work / f"bench{n}"
        log(f"exporting dcplan's {n} x {n} benchmark system to {folder}")
        report["export_commands"].append(shlex.join(export_bench(dcplan, n, args.rtol, folder)))
        meta = read_meta(folder)
        systems.append({**meta, "dir": folder})
    for d in args.system:
        folder = pathlib.Path(d)
        meta = read_meta(folder)
        systems.append({**meta, "dir": folder, "name": meta.get("name", folder.name)})
    for system in systems:
        race_system(system, dcplan, args.rtol, args.repeat, args.ranks, log,
                    getattr(args, "krylov", None) or KRYLOV)
        print_table(system, args.rtol)
    report["load_average_after"] = load_average()
    hypre = {r["record"]["hypre_version"] for s in systems for r in s["runs"] if r["entrant"] in HYPRE_SOLVERS}
    report["versions"]["hypre"] = ",".join(sorted(hypre))
    for s in systems:
        s["dir"] = str(s["dir"])
        report["systems"].append(s)
    out = pathlib.Path(args.out) if args.out else work / "race.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    log(f"wrote {out}")
    if not args.keep and not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return report


def resolve_dcplan(path, required):
    p = pathlib.Path(path) if path else REPO / "target" / "release" / "dcplan"
    if p.is_file() and os.access(p, os.X_OK):
        return p.resolve()
    if required:
        raise InputError(f"{p}: no dcplan binary (cargo build --release, or pass --dcplan PATH)")
    return None


# ---- self-test ---------------------------------------------------------------------------

def contrast_system(folder, nx, ny, contrast, seed=8):
    """A finite-volume 5-point system with random high-conductivity rectangles: harmonic face
    means, a fixed west wall (half-cell anchor), a sink in a few cells, source everywhere."""
    import numpy as np
    import scipy.io
    import scipy.sparse
    rng = np.random.default_rng(seed)
    k = np.ones((ny, nx))
    for _ in range(12):
        i0, j0 = rng.integers(0, nx - 4), rng.integers(0, ny - 4)
        k[j0:j0 + rng.integers(2, ny // 3), i0:i0 + rng.integers(2, nx // 3)] = contrast
    cx = 2 * k[:, :-1] * k[:, 1:] / (k[:, :-1] + k[:, 1:])  # face between (i, j) and (i+1, j)
    cy = 2 * k[:-1, :] * k[1:, :] / (k[:-1, :] + k[1:, :])  # face between (i, j) and (i, j+1)
    diag = np.zeros((ny, nx))
    diag[:, :-1] += cx
    diag[:, 1:] += cx
    diag[:-1, :] += cy
    diag[1:, :] += cy
    anchor = np.zeros((ny, nx))
    anchor[:, 0] = 2 * k[:, 0]
    anchor[ny // 2, nx // 2] += 50.0
    diag += anchor
    idx = np.arange(nx * ny).reshape(ny, nx)
    rows = [idx.ravel(), idx[:, 1:].ravel(), idx[1:, :].ravel()]
    cols = [idx.ravel(), idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    vals = [diag.ravel(), -cx.ravel(), -cy.ravel()]
    lower = scipy.sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                                    shape=(nx * ny, nx * ny))
    b = rng.uniform(0.5, 1.5, nx * ny) + (anchor * 25.0).ravel()
    folder.mkdir(parents=True, exist_ok=True)
    scipy.io.mmwrite(folder / "A.mtx", lower, symmetry="symmetric")
    scipy.io.mmwrite(folder / "b.mtx", b.reshape(-1, 1))
    (folder / "meta.json").write_text(json.dumps({"nx": nx, "ny": ny, "name": f"contrast {contrast:g}"}) + "\n")
    full = (lower + lower.T - scipy.sparse.diags(lower.diagonal())).tocsr()
    return full, b


def advection_system(folder, nx, ny, peclet, seed=8):
    """A nonsymmetric 5-point system: unit diffusion and first-order upwind advection by a
    recirculating flow whose face fluxes come from a stream function on the cell corners (so
    every cell's inflow equals its outflow exactly, and the operator is an M-matrix), peak
    cell Peclet number about `peclet`; a fixed west wall, one sink, a source everywhere. Stored
    'coordinate real general'."""
    import numpy as np
    import scipy.io
    import scipy.sparse
    rng = np.random.default_rng(seed)
    xc = np.linspace(0.0, 1.0, nx + 1)[None, :]
    yc = np.linspace(0.0, 1.0, ny + 1)[:, None]
    psi = peclet * np.sin(np.pi * xc) * np.sin(np.pi * yc)
    fx = psi[1:, 1:-1] - psi[:-1, 1:-1]  # through the face from (i, j) to (i+1, j)
    fy = psi[1:-1, :-1] - psi[1:-1, 1:]  # through the face from (i, j) to (i, j+1)
    idx = np.arange(nx * ny).reshape(ny, nx)
    diag = np.zeros((ny, nx))
    rows, cols, vals = [], [], []
    for p, q, f, sp, sq in ((idx[:, :-1], idx[:, 1:], fx, np.s_[:, :-1], np.s_[:, 1:]),
                            (idx[:-1, :], idx[1:, :], fy, np.s_[:-1, :], np.s_[1:, :])):
        out, inn = np.maximum(f, 0.0), np.maximum(-f, 0.0)
        # row p: (u_p - u_q) + out u_p - inn u_q; row q: (u_q - u_p) + inn u_q - out u_p
        rows += [p.ravel(), q.ravel()]
        cols += [q.ravel(), p.ravel()]
        vals += [(-1.0 - inn).ravel(), (-1.0 - out).ravel()]
        diag[sp] += 1.0 + out
        diag[sq] += 1.0 + inn
    anchor = np.zeros((ny, nx))
    anchor[:, 0] = 2.0
    anchor[ny // 3, nx // 2] += 50.0
    diag += anchor
    rows.append(idx.ravel())
    cols.append(idx.ravel())
    vals.append(diag.ravel())
    A = scipy.sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                                shape=(nx * ny, nx * ny)).tocsr()
    b = rng.uniform(0.5, 1.5, nx * ny) + (anchor * 25.0).ravel()
    folder.mkdir(parents=True, exist_ok=True)
    scipy.io.mmwrite(folder / "A.mtx", A.tocoo(), symmetry="general")
    scipy.io.mmwrite(folder / "b.mtx", b.reshape(-1, 1))
    (folder / "meta.json").write_text(json.dumps(
        {"nx": nx, "ny": ny, "name": f"advection Pe {peclet:g}", "symmetric": False}) + "\n")
    return A, b


def export_hall_air(dcplan, facility, cell_m, rtol, folder):
    cmd = [str(dcplan), "-q", "--backend", "cpu", "bench", "--hall-air", str(facility), "--cell-m",
           repr(cell_m), "--rtol", repr(rtol), "--json", "--export", str(folder)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return cmd


def self_test(args, log):
    import numpy as np
    import scipy.io
    rtol = 1e-6
    dcplan = resolve_dcplan(args.dcplan, required=True)
    build_driver()
    failures = []

    def check(ok, what):
        log(("  ok    " if ok else "  FAIL  ") + what)
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory(prefix="solver-race-selftest-") as tmp:
        tmp = pathlib.Path(tmp)
        bench = tmp / "bench64"
        export_bench(dcplan, 64, rtol, bench)
        contrast = tmp / "contrast"
        contrast_system(contrast, 48, 80, 1e6)
        advection = tmp / "advection"
        A_adv, _ = advection_system(advection, 48, 80, 100.0)
        check(abs(A_adv - A_adv.T).max() > 1.0, "the advection system is nonsymmetric")
        hall = tmp / "hall-air"
        export_hall_air(dcplan, REPO / "sites" / "facilities" / "ai-hall-20mw.json", 0.3, rtol, hall)
        for folder in (bench, contrast, advection, hall):
            meta = read_meta(folder)
            system = PyamgSystem(folder)
            log(f"{folder.name}: {meta['nx']} x {meta['ny']}, {system.A.nnz} nonzeros, "
                f"{'symmetric' if meta['symmetric'] else 'general'}")
            if folder in (bench, hall):  # dcplan's own solution, exported at rtol
                x = np.asarray(scipy.io.mmread(folder / "x.mtx")).ravel()
                rec = json.loads((folder / "dcplan.json").read_text())
                mine = system.rel_residual(x)
                check(mine <= rtol, f"dcplan: residual recomputed here {mine:.3e} <= {rtol:g}")
                check(abs(mine - rec["rel_residual"]) <= 1e-3 * mine + 1e-15,
                      f"dcplan: its own figure {rec['rel_residual']:.6e} agrees with {mine:.6e}")
            methods = [None] if meta["symmetric"] else list(KRYLOV)
            for ranks, solver, method in [(r, s, m) for r in (1, 2) for s in HYPRE_SOLVERS for m in methods]:
                xdir = tmp / f"x-{folder.name}-{solver}-{method}-{ranks}"
                xdir.mkdir()
                _, res = run_hypre(folder, meta["nx"], meta["ny"], ranks, solver, rtol, x_out=xdir,
                                   krylov=method)
                x = np.asarray(scipy.io.mmread(xdir / f"x_{solver}.mtx")).ravel()
                mine = system.rel_residual(x)
                want = f"{solver}-{method or 'pcg'}"
                check(res["record"]["solver"] == want, f"driver reports {res['record']['solver']} (want {want})")
                what = f"{want} {ranks} rank(s), {res['iterations']} iterations"
                check(mine <= rtol and res["record"]["converged"],
                      f"{what}: residual recomputed here {mine:.3e} <= {rtol:g}")
                # the driver sums each row in another order; the two can differ by the
                # rounding error of forming b - Ax, which high contrast makes large beside r
                bound = system.rounding_bound(x)
                check(abs(mine - res["rel_residual"]) <= 1e-9 * mine + bound,
                      f"{what}: driver's residual {res['rel_residual']:.9e} agrees with {mine:.9e} "
                      f"(rounding bound {bound:.1e})")
            for method in ["rs-cg"] if meta["symmetric"] else PYAMG_NONSYMMETRIC:
                _, x, res = system.solve(rtol, method)
                check(res["rel_residual"] <= rtol,
                      f"pyamg {method}: residual recomputed here {res['rel_residual']:.3e} <= {rtol:g}")

        # the stencil check must be able to fail: read the 48 x 80 system as 80 x 48
        cmd = ["mpirun", "-n", "1", str(DRIVER), str(contrast), "--nx", "80", "--ny", "48"]
        done = subprocess.run(cmd, capture_output=True, text=True, env=mpi_env())
        check(done.returncode == 2 and "not on the 5-point stencil" in done.stderr,
              f"driver rejects a transposed grid shape (exit {done.returncode}: {done.stderr.strip()[:120]})")
        cmd = ["mpirun", "-n", "1", str(DRIVER), str(contrast), "--nx", "48", "--ny", "81"]
        done = subprocess.run(cmd, capture_output=True, text=True, env=mpi_env())
        check(done.returncode == 2 and "rows, but the grid is" in done.stderr,
              f"driver rejects a wrong cell count (exit {done.returncode})")
        cmd = ["mpirun", "-n", "1", str(DRIVER), str(advection), "--nx", "80", "--ny", "48"]
        done = subprocess.run(cmd, capture_output=True, text=True, env=mpi_env())
        check(done.returncode == 2 and "not on the 5-point stencil" in done.stderr,
              f"driver rejects a general matrix read with a transposed shape (exit {done.returncode})")
        cmd = ["mpirun", "-n", "1", str(DRIVER), str(advection), "--krylov", "pcg"]
        done = subprocess.run(cmd, capture_output=True, text=True, env=mpi_env())
        check(done.returncode == 2 and "needs a symmetric matrix" in done.stderr,
              f"driver refuses PCG on a general matrix (exit {done.returncode})")

        log("the race itself at 64 x 64, one round:")
        race_args = argparse.Namespace(dcplan=str(dcplan), sizes=[64],
                                       system=[str(contrast), str(advection), str(hall)], rtol=rtol,
                                       repeat=1, ranks=[1, 2], krylov=list(KRYLOV), work=str(tmp / "race"),
                                       out=str(tmp / "race.json"), keep=True)
        report = race(race_args, lambda m: None)
        for s in report["systems"]:
            for r in s["summary"]:
                check(r["met_rtol"], f"race {s['name']}: {label(r['entrant'], r['method'])} {r['how']} max residual "
                      f"{r['max_rel_residual']:.2e} <= {rtol:g}")
        saved = json.loads((tmp / "race.json").read_text())
        check(len(saved["systems"]) == 4 and all(s["runs"] for s in saved["systems"]),
              "race.json holds all four systems and their runs")
        general = [s for s in saved["systems"] if not s["symmetric"]]
        raced = {(r["entrant"], r["method"]) for s in general for r in s["summary"]}
        want = {(h, k) for h in HYPRE_SOLVERS for k in KRYLOV} | {("pyamg", m) for m in PYAMG_NONSYMMETRIC}
        check(len(general) == 2 and want <= raced and ("dcplan", None) in raced,
              f"the nonsymmetric systems raced dcplan, HYPRE under {'/'.join(KRYLOV)} and pyamg "
              f"{'/'.join(PYAMG_NONSYMMETRIC)}")
    if failures:
        log(f"self-test: {len(failures)} check(s) failed")
        return 1
    log("self-test: all checks passed")
    return 0


# ---- command line ------------------------------------------------------------------------

def parse_list(text, kind, name):
    try:
        values = [kind(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: expected a comma-separated list, found '{text}'") from None
    if not values:
        raise argparse.ArgumentTypeError(f"{name}: empty list")
    return values


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[1:]))
    ap.add_argument("--sizes", type=lambda t: parse_list(t, int, "--sizes"), default=None,
                    help="benchmark sizes n (n x n) to export and race (default 1024,2048; none when "
                         "--system is given)")
    ap.add_argument("--system", action="append", default=[], help="an exported system folder (repeatable)")
    ap.add_argument("--dcplan", help="dcplan release binary (default target/release/dcplan)")
    ap.add_argument("--rtol", type=float, default=1e-6, help="relative residual target (default 1e-6)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds; the table shows medians (default 3)")
    ap.add_argument("--ranks", type=lambda t: parse_list(t, int, "--ranks"), default=[1, 2],
                    help="MPI rank counts for HYPRE (default 1,2)")
    ap.add_argument("--krylov", type=lambda t: parse_list(t, str, "--krylov"), default=list(KRYLOV),
                    help="HYPRE's Krylov methods for nonsymmetric systems (default gmres,bicgstab; "
                         "symmetric systems always get PCG)")
    ap.add_argument("--work", help="folder for the exported systems (default: a temporary one)")
    ap.add_argument("--out", help="JSON report (default WORK/race.json)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    ap.add_argument("--self-test", action="store_true", help="check driver and script on small systems")
    args = ap.parse_args()

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    try:
        if args.self_test:
            return self_test(args, log)
        if not (0 < args.rtol < 1):
            raise InputError(f"--rtol: expected a number in (0, 1), found {args.rtol}")
        if args.repeat < 1:
            raise InputError(f"--repeat: expected at least 1, found {args.repeat}")
        if any(k not in KRYLOV for k in args.krylov):
            raise InputError(f"--krylov: expected gmres and/or bicgstab, found {','.join(args.krylov)}")
        if any(r < 1 for r in args.ranks):
            raise InputError(f"--ranks: expected positive rank counts, found {args.ranks}")
        if args.sizes is None:
            args.sizes = [] if args.system else [1024, 2048]
        if any(n < 2 for n in args.sizes):
            raise InputError(f"--sizes: expected sizes >= 2, found {args.sizes}")
        if args.work is None and args.out is None:
            args.out = "race.json"
        race(args, log)
        return 0
    except InputError as e:
        print(f"solver_race: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
