use dcplan::solver::*;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let ny: usize = args[1].parse().unwrap();
    let ends: usize = args[2].parse().unwrap();
    for n in [20usize, 50, 100, 200] {
        let (h, k, f, ua, ub) = (0.25, 3.0, 2.0, 10.0, 4.0);
        let mut p = Problem::new(n, ny, h);
        p.conductivity.fill(k); p.source.fill(f);
        if ends == 0 { p.set_boundary(Side::West, Boundary::Fixed { value: ua }); } else { for t in 0..ny { let a = p.index(0, t); let b = p.index(n - 1, t); p.fixed[a] = Some(ua); if ends == 2 { p.fixed[b] = Some(ub); } } }
        let mut o = SolveOptions::for_precision(false); o.max_cycles = 20;
        match CpuMultigrid.solve(&p, &o) {
            Ok(sol) => println!("n={n} cycles={} eta={:.2e} hist={:?}", sol.stats.cycles, sol.stats.quality.eta, sol.stats.history.iter().map(|x| format!("{x:.1e}")).collect::<Vec<_>>()),
            Err(e) => println!("n={n} {e}"),
        }
    }
}
