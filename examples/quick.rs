use dcplan::solver::*;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case: usize = args.get(1).map(|s| s.parse().unwrap()).unwrap_or(0);
    for n in [4usize, 8, 16, 64, 256] {
        let n = if case == 5 { n + 1 } else { n };
        let mut p = Problem::new(n, if case == 2 { n + 3 } else if case == 4 { n + 4 } else { n }, 1.0 / n as f64);
        for q in 0..p.cells() { p.source[q] = 1.0; }
        for s in [Side::West, Side::East, Side::South, Side::North] { p.set_boundary(s, Boundary::Fixed { value: 0.0 }); }
        if case == 3 { for j in 0..p.ny { for i in n/2..n { let q = p.index(i,j); p.conductivity[q] = 10.0; } } }
        if case == 1 { p.set_boundary(Side::North, Boundary::ZeroFlux); }
        let mut o = SolveOptions::for_precision(false); o.max_cycles = 12;
        match CpuMultigrid.solve(&p, &o) {
            Ok(sol) => println!("n={n} cycles={} eta={:.2e} hist={:?}", sol.stats.cycles, sol.stats.quality.eta, sol.stats.history.iter().map(|x| format!("{x:.1e}")).collect::<Vec<_>>()),
            Err(e) => println!("n={n} {e}"),
        }
    }
}
