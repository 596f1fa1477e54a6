// Finest-level couplings of a nonsymmetric operator (advection): `faces[k]` holds cell k's own
// couplings to its W, E, S, N neighbours (0 where there is none).

fn couplings5(i: u32, j: u32) -> vec4<f32> {
    return faces[j * level.nx + i];
}
