#!/usr/bin/env python3
"""Race pyamg's classical (Ruge-Stuben) AMG on a system exported by `dcplan bench --export DIR`.

Usage: benches/pyamg_compare.py DIR [--tol 1e-6]

Reads DIR/A.mtx, DIR/b.mtx, DIR/x.mtx (dcplan's solution) and DIR/dcplan.json (dcplan's bench
record), solves A x = b with pyamg to the same relative residual ||b - Ax||2 / ||b||2, and
prints setup, solve and total seconds and the residuals beside dcplan's. Needs numpy, scipy and
pyamg (pip install pyamg).
"""
import argparse
import json
import pathlib
import time

import numpy as np
import scipy.io
import scipy.sparse
import pyamg


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=pathlib.Path)
    ap.add_argument("--tol", type=float, default=1e-6, help="relative residual target")
    args = ap.parse_args()

    A = scipy.sparse.csr_matrix(scipy.io.mmread(args.dir / "A.mtx"))
    b = np.asarray(scipy.io.mmread(args.dir / "b.mtx")).ravel()
    x_dcplan = np.asarray(scipy.io.mmread(args.dir / "x.mtx")).ravel()
    record = json.loads((args.dir / "dcplan.json").read_text())

    def rel(x):
        return np.linalg.norm(b - A @ x) / np.linalg.norm(b)

    t0 = time.perf_counter()
    ml = pyamg.ruge_stuben_solver(A)
    t1 = time.perf_counter()
    residuals = []
    x = ml.solve(b, tol=args.tol, residuals=residuals, accel=None, maxiter=500)
    t2 = time.perf_counter()

    n = record["n"]
    print(f"system: {A.shape[0]} unknowns ({n} x {n}), {A.nnz} nonzeros, target relative residual {args.tol:g}")
    print(f"{'solver':<34} {'setup_s':>9} {'solve_s':>9} {'total_s':>9} {'iters':>6} {'rel_residual':>13}")
    print(f"{'pyamg ruge_stuben (classical AMG)':<34} {t1 - t0:>9.3f} {t2 - t1:>9.3f} {t2 - t0:>9.3f} "
          f"{len(residuals) - 1:>6} {rel(x):>13.3e}")
    print(f"{'dcplan ' + record['backend'] + ' multigrid':<34} {record['setup_s']:>9.3f} {record['solve_s']:>9.3f} "
          f"{record['total_s']:>9.3f} {record['cycles']:>6} {rel(x_dcplan):>13.3e}")
    print(f"speed-up (total): {(t2 - t0) / record['total_s']:.1f}x; "
          f"max |x_pyamg - x_dcplan| / range = {np.abs(x - x_dcplan).max() / np.ptp(x_dcplan):.2e}")


if __name__ == "__main__":
    main()
