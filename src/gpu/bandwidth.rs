//! The adapter's copy bandwidth, measured in the same run as a benchmark so that kernel
//! throughput can be quoted as a fraction of what the memory system delivers.

use super::context::GpuContext;
use super::GpuError;
use std::time::Instant;

/// GB/s of a large buffer-to-buffer copy, counting bytes read plus bytes written. Uses the
/// largest buffer up to `max_bytes` the adapter allows, best of `repeats` timed batches.
pub fn copy_gbps(ctx: &GpuContext, max_bytes: u64, repeats: usize) -> Result<f64, GpuError> {
    let bytes = max_bytes.min(ctx.limits.max_buffer_size) / 4 * 4;
    let (src, dst) = ctx.scoped("allocating the copy-bandwidth buffers", || {
        let make = |label| {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: bytes,
                usage: wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        };
        (make("bench.copy.src"), make("bench.copy.dst"))
    })?;
    let copies = 8;
    let run = || -> Result<f64, GpuError> {
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("bench.copy"),
            });
        for _ in 0..copies {
            encoder.copy_buffer_to_buffer(&src, 0, &dst, 0, bytes);
        }
        let start = Instant::now();
        ctx.queue.submit([encoder.finish()]);
        ctx.wait()?;
        Ok(start.elapsed().as_secs_f64())
    };
    run()?; // warm-up: first-touch allocation
    let mut best = f64::INFINITY;
    for _ in 0..repeats.max(1) {
        best = best.min(run()?);
    }
    Ok(2.0 * bytes as f64 * copies as f64 / best / 1e9)
}
