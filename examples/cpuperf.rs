use dcplan::solver::*;
fn main() {
    for n in [1024usize, 2048] {
        let mut p = Problem::new(n, n, 1.0 / n as f64);
        for q in 0..p.cells() {
            p.source[q] = 1.0;
        }
        for s in [Side::West, Side::East, Side::South, Side::North] {
            p.set_boundary(s, Boundary::Fixed { value: 0.0 });
        }
        let mut o = SolveOptions::for_precision(false);
        o.tolerance = Tolerance::RelResidual(1e-6);
        let t = std::time::Instant::now();
        let s = CpuMultigrid.solve(&p, &o).unwrap();
        println!(
            "n={n} cycles={} rel={:.2e} setup={:.3} solve={:.3} total={:.3}",
            s.stats.cycles,
            s.stats.quality.rel_residual,
            s.stats.setup_s,
            s.stats.solve_s,
            t.elapsed().as_secs_f64()
        );
    }
}
