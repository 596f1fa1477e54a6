use dcplan::solver::*;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case: usize = args.get(1).map(|s| s.parse().unwrap()).unwrap_or(0);
    for n in [4usize, 8, 16, 64, 256] {
        let mut p = Problem::new(n, n, 1.0 / n as f64);
        for q in 0..p.cells() {
            p.source[q] = 1.0;
        }
        match case {
            0 => p.set_boundary(Side::West, Boundary::Fixed { value: 0.0 }),
            1 => p.set_boundary(
                Side::West,
                Boundary::Robin {
                    coeff: 5.0,
                    value: 0.0,
                },
            ),
            2 => {
                for s in [Side::West, Side::East, Side::South, Side::North] {
                    p.set_boundary(
                        s,
                        Boundary::Robin {
                            coeff: 5.0,
                            value: 0.0,
                        },
                    );
                }
            }
            _ => {
                p.set_boundary(Side::West, Boundary::Fixed { value: 0.0 });
                p.set_boundary(Side::East, Boundary::Fixed { value: 0.0 });
            }
        }
        let mut o = SolveOptions::for_precision(false);
        o.max_cycles = 14;
        match CpuMultigrid.solve(&p, &o) {
            Ok(sol) => println!(
                "n={n} cycles={} eta={:.2e} hist={:?}",
                sol.stats.cycles,
                sol.stats.quality.eta,
                sol.stats
                    .history
                    .iter()
                    .map(|x| format!("{x:.1e}"))
                    .collect::<Vec<_>>()
            ),
            Err(e) => println!("n={n} {e}"),
        }
    }
}
