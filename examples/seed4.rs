use dcplan::solver::*;
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }

    /// A random sub-rectangle `[i0, i1) × [j0, j1)`, at least one cell.
    fn rect(&mut self, nx: usize, ny: usize) -> (usize, usize, usize, usize) {
        let (a, b) = (self.below(nx), self.below(nx));
        let (c, d) = (self.below(ny), self.below(ny));
        (a.min(b), a.max(b) + 1, c.min(d), c.max(d) + 1)
    }
}

fn fill_rect(field: &mut [f64], nx: usize, (i0, i1, j0, j1): (usize, usize, usize, usize), v: f64) {
    for j in j0..j1 {
        for i in i0..i1 {
            field[j * nx + i] = v;
        }
    }
}

/// A random heterogeneous problem: patches of k from 0.1 to 10 with cell noise, a sink region,
/// source patches, one random condition per side and two fixed cells.
fn random_problem(seed: u64, nx: usize, ny: usize) -> Problem {
    let mut rng = Rng::new(seed);
    let mut p = Problem::new(nx, ny, rng.uniform(0.5, 3.0));
    for _ in 0..6 {
        let rect = rng.rect(nx, ny);
        let k = 10f64.powf(rng.uniform(-1.0, 1.0));
        fill_rect(&mut p.conductivity, nx, rect, k);
    }
    for k in &mut p.conductivity {
        *k *= rng.uniform(0.8, 1.2);
    }
    let sink = rng.rect(nx, ny);
    let g = rng.uniform(0.01, 1.0);
    fill_rect(&mut p.sink_coeff, nx, sink, g);
    for v in &mut p.sink_value {
        *v = rng.uniform(15.0, 25.0);
    }
    for _ in 0..3 {
        let rect = rng.rect(nx, ny);
        let f = rng.uniform(-5.0, 50.0);
        fill_rect(&mut p.source, nx, rect, f);
    }
    for side in [Side::West, Side::East, Side::South, Side::North] {
        let value = rng.uniform(10.0, 30.0);
        let bc = match rng.below(3) {
            0 => Boundary::Fixed { value },
            1 => Boundary::Robin {
                coeff: 10f64.powf(rng.uniform(-1.0, 1.0)),
                value,
            },
            _ => Boundary::ZeroFlux,
        };
        p.set_boundary(side, bc);
    }
    for _ in 0..2 {
        let q = p.index(rng.below(nx), rng.below(ny));
        p.fixed[q] = Some(rng.uniform(10.0, 40.0));
    }
    p
}
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let variant: usize = args.get(1).map(|s| s.parse().unwrap()).unwrap_or(0);
    for n in [(200usize, 151usize)] {
        let mut p = random_problem(4, n.0, n.1);
        if variant == 1 { p.fixed.iter_mut().for_each(|f| *f = None); }
        if variant == 2 { p.sink_coeff.fill(0.0); }
        if variant == 3 { p.conductivity.fill(1.0); }
        if variant == 4 { p.boundary = [Boundary::Fixed{value: 10.0}; 4]; }
        if variant == 6 { p.boundary = [Boundary::ZeroFlux; 4]; p.fixed.iter_mut().for_each(|f| *f = None); p.sink_coeff.fill(0.3); }
        if variant == 7 { p.boundary = [Boundary::ZeroFlux; 4]; p.fixed.iter_mut().for_each(|f| *f = None); p.sink_coeff.fill(0.3); for k in p.conductivity.iter_mut() { *k = if *k > 1.0 {10.0} else {0.1}; } }
        if variant == 5 { for k in p.conductivity.iter_mut() { *k = k.min(2.0).max(0.5); } }
        println!("bcs {:?} h {} fixed {:?}", p.boundary, p.spacing_m, p.fixed.iter().enumerate().filter(|(_, f)| f.is_some()).map(|(i, f)| (i % p.nx, i / p.nx, f.unwrap())).collect::<Vec<_>>());
        let mut o = SolveOptions::for_precision(false); o.max_cycles = 20;
        match CpuMultigrid.solve(&p, &o) {
            Ok(sol) => println!("cycles={} eta={:.2e} hist={:?}", sol.stats.cycles, sol.stats.quality.eta, sol.stats.history.iter().map(|x| format!("{x:.1e}")).collect::<Vec<_>>()),
            Err(e) => println!("{e}"),
        }
    }
}
