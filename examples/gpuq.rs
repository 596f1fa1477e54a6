use dcplan::gpu::*;
use dcplan::solver::*;
fn main() {
    println!("{:#?}", list_adapters());
    let ctx = GpuContext::new(Some("llvmpipe")).unwrap();
    let mut g = GpuMultigrid::new(ctx).unwrap();
    for (n, m) in [
        (16usize, 16usize),
        (33, 19),
        (64, 64),
        (200, 131),
        (512, 512),
    ] {
        let mut p = Problem::new(n, m, 1.0 / n as f64);
        for j in 0..p.ny {
            for i in 0..p.nx {
                let q = p.index(i, j);
                p.source[q] = 1.0 + (i as f64 * 0.3).sin();
                p.conductivity[q] = if i < n / 2 { 1.0 } else { 10.0 };
            }
        }
        p.set_boundary(Side::West, Boundary::Fixed { value: 400.0 });
        p.set_boundary(
            Side::North,
            Boundary::Robin {
                coeff: 5.0,
                value: 402.0,
            },
        );
        let c = CpuMultigrid
            .solve(&p, &SolveOptions::for_precision(false))
            .unwrap();
        let t = std::time::Instant::now();
        match g.solve(&p, &SolveOptions::for_precision(true)) {
            Ok(s) => {
                let (mn, mx) =
                    c.u.iter()
                        .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
                let err =
                    s.u.iter()
                        .zip(&c.u)
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0, f64::max)
                        / (mx - mn);
                println!("n={n}x{m} cycles={} eta={:.2e} rel={:.2e} fwd={:.2e} solve={:.4}s wall={:.3}s hist={:?}", s.stats.cycles, s.stats.quality.eta, s.stats.quality.rel_residual, err, s.stats.solve_s, t.elapsed().as_secs_f64(), s.stats.history.iter().map(|x| format!("{x:.1e}")).collect::<Vec<_>>());
            }
            Err(e) => println!("n={n} {e}"),
        }
    }
}
