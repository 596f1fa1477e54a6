//! GPU context: which adapters wgpu sees, which one we take, and the device made from it.
//!
//! Invariants: the device is created with the adapter's own limits (so large grids fit where the
//! hardware allows) and with timestamp queries where the adapter has them. Adapter choice is a
//! pure function of the adapter list, so it is tested without a GPU.

use super::GpuError;

/// What the user and the reports see of an adapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    /// A real GPU (discrete, integrated or virtualised), not a CPU rasteriser such as lavapipe.
    pub hardware: bool,
}

impl AdapterSummary {
    fn from_info(info: &wgpu::AdapterInfo) -> Self {
        use wgpu::DeviceType as T;
        let driver = [info.driver.as_str(), info.driver_info.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        AdapterSummary {
            name: info.name.clone(),
            backend: info.backend.to_string(),
            device_type: format!("{:?}", info.device_type),
            driver,
            hardware: matches!(
                info.device_type,
                T::DiscreteGpu | T::IntegratedGpu | T::VirtualGpu
            ),
        }
    }

    /// Preference order: discrete, integrated, virtual, CPU, other; then the native compute
    /// APIs before OpenGL.
    fn rank(&self) -> (u8, u8) {
        let kind = match self.device_type.as_str() {
            "DiscreteGpu" => 0,
            "IntegratedGpu" => 1,
            "VirtualGpu" => 2,
            "Cpu" => 3,
            _ => 4,
        };
        let api = match self.backend.as_str() {
            "vulkan" | "metal" | "dx12" => 0,
            _ => 1,
        };
        (kind, api)
    }
}

/// Picks an adapter: among those whose name contains `filter` (case-insensitive), the best by
/// [`AdapterSummary::rank`]; ties keep wgpu's order. `None` when nothing matches.
pub fn pick_adapter(adapters: &[AdapterSummary], filter: Option<&str>) -> Option<usize> {
    let filter = filter.map(str::to_lowercase);
    adapters
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            filter
                .as_deref()
                .is_none_or(|f| a.name.to_lowercase().contains(f))
        })
        .min_by_key(|(i, a)| (a.rank(), *i))
        .map(|(i, _)| i)
}

fn instance() -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    // Vulkan, Metal, DX12; WGPU_BACKEND=gl (or a list) opts into others
    desc.backends = wgpu::Backends::from_env().unwrap_or(wgpu::Backends::PRIMARY);
    wgpu::Instance::new(desc)
}

fn enumerate() -> Vec<wgpu::Adapter> {
    let instance = instance();
    pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
}

/// Every adapter wgpu can see.
pub fn list_adapters() -> Vec<AdapterSummary> {
    enumerate()
        .iter()
        .map(|a| AdapterSummary::from_info(&a.get_info()))
        .collect()
}

/// A device and queue on a chosen adapter.
pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter: AdapterSummary,
    pub limits: wgpu::Limits,
    /// Timestamp queries are available (solve times then come from the GPU clock).
    pub timestamps: bool,
}

impl GpuContext {
    /// Opens the best adapter whose name contains `filter`.
    pub fn new(filter: Option<&str>) -> Result<Self, GpuError> {
        let adapters = enumerate();
        let summaries: Vec<AdapterSummary> = adapters
            .iter()
            .map(|a| AdapterSummary::from_info(&a.get_info()))
            .collect();
        let index = pick_adapter(&summaries, filter).ok_or_else(|| GpuError::NoAdapter {
            filter: filter.map(str::to_string),
            available: summaries.iter().map(|s| s.name.clone()).collect(),
        })?;
        Self::open(&adapters[index], summaries[index].clone())
    }

    fn open(adapter: &wgpu::Adapter, summary: AdapterSummary) -> Result<Self, GpuError> {
        let timestamps = adapter.features().contains(wgpu::Features::TIMESTAMP_QUERY);
        let required_features = if timestamps {
            wgpu::Features::TIMESTAMP_QUERY
        } else {
            wgpu::Features::empty()
        };
        let limits = adapter.limits();
        let desc = wgpu::DeviceDescriptor {
            label: Some("dcplan"),
            required_features,
            required_limits: limits.clone(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&desc))
            .map_err(|e| GpuError::RequestDevice(e.to_string()))?;
        Ok(GpuContext {
            device,
            queue,
            adapter: summary,
            limits,
            timestamps,
        })
    }

    /// Waits for all submitted work.
    pub fn wait(&self) -> Result<(), GpuError> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| GpuError::Device(format!("waiting for the GPU: {e}")))
    }

    /// Runs `f` inside validation and out-of-memory error scopes and turns a captured error
    /// into a typed one naming `what`.
    pub fn scoped<T>(&self, what: &str, f: impl FnOnce() -> T) -> Result<T, GpuError> {
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let value = f();
        let v = pollster::block_on(validation.pop());
        let o = pollster::block_on(oom.pop());
        if let Some(e) = o {
            return Err(GpuError::OutOfMemory {
                what: what.to_string(),
                message: e.to_string(),
            });
        }
        if let Some(e) = v {
            return Err(GpuError::Validation {
                what: what.to_string(),
                message: e.to_string(),
            });
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(name: &str, backend: &str, kind: &str) -> AdapterSummary {
        AdapterSummary {
            name: name.into(),
            backend: backend.into(),
            device_type: kind.into(),
            driver: String::new(),
            hardware: kind != "Cpu",
        }
    }

    #[test]
    fn picks_discrete_over_software_and_matches_names_case_insensitively() {
        let list = vec![
            summary("llvmpipe (LLVM 15.0.6, 256 bits)", "gl", "Cpu"),
            summary("llvmpipe (LLVM 15.0.6, 256 bits)", "vulkan", "Cpu"),
            summary("NVIDIA H100 80GB HBM3", "vulkan", "DiscreteGpu"),
            summary("Intel(R) UHD Graphics", "vulkan", "IntegratedGpu"),
        ];
        assert_eq!(pick_adapter(&list, None), Some(2));
        assert_eq!(pick_adapter(&list, Some("llvm")), Some(1));
        assert_eq!(pick_adapter(&list, Some("LLVMPIPE")), Some(1));
        assert_eq!(pick_adapter(&list, Some("intel")), Some(3));
        assert_eq!(pick_adapter(&list, Some("h200")), None);
        assert_eq!(pick_adapter(&[], None), None);
    }

    #[test]
    fn native_api_preferred_over_gl_for_the_same_kind() {
        let list = vec![
            summary("A", "gl", "IntegratedGpu"),
            summary("A", "vulkan", "IntegratedGpu"),
        ];
        assert_eq!(pick_adapter(&list, Some("a")), Some(1));
    }
}
