//! `cargo bench`: the CPU solver sweep of `dcplan bench`, and the GPU sweep where an adapter is
//! available. Under `cargo test` (no `--bench` argument) it only checks that it builds.

use dcplan::backend::{select, BackendChoice};
use dcplan::bench;
use dcplan::solver::SolveOptions;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("solver benchmark: run it with `cargo bench`");
        return;
    }
    for choice in [BackendChoice::Cpu, BackendChoice::Gpu] {
        let (mut backend, line) = match select(choice, None) {
            Ok(b) => b,
            Err(e) => {
                println!("{choice:?}: not run: {e}");
                continue;
            }
        };
        println!("{line}");
        let sizes = bench::default_sizes(&backend);
        let options = SolveOptions::for_precision(backend.is_gpu());
        let result = bench::run(&mut backend, &sizes, &options, |r| {
            println!(
                "{:>5}  cycles {:>3}  eta {:.2e}  solve {:.4} s  total {:.4} s  sweep {:.3e} cells/s  {:.1} GB/s of {:.1} copy",
                r.n, r.cycles, r.eta, r.solve_s, r.total_s, r.smoother_cups, r.smoother_gbps, r.copy_gbps
            );
        });
        if let Err(e) = result {
            println!("{choice:?}: failed: {e}");
        }
    }
}
