use dcplan::solver::*;
fn main() {
    let n = 2048;
    let mut p = Problem::new(n, n, 1.0 / n as f64);
    for q in 0..p.cells() {
        p.source[q] = 1.0;
    }
    for s in [Side::West, Side::East, Side::South, Side::North] {
        p.set_boundary(s, Boundary::Fixed { value: 0.0 });
    }
    let t = std::time::Instant::now();
    let sys = System::assemble(&p);
    let a = t.elapsed().as_secs_f64();
    let h = dcplan::solver::hierarchy::Hierarchy::build(&sys);
    println!(
        "assemble {a:.3} hierarchy {:.3} levels {}",
        t.elapsed().as_secs_f64() - a,
        h.levels()
    );
}
