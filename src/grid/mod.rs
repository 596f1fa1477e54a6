//! The national transmission grid: how much new load each substation can take.
//!
//! Data flow: the raw OpenStreetMap/PyPSA network is built once into the shipped files
//! (`build`, `geo`, `params`; `sites/grid/`); at run time the network ([`network`]) and its
//! operating snapshots ([`snapshot`]) are read and checked, the DC load flow is factored and
//! its PTDF computed ([`flow`]), single outages and their distribution factors found
//! ([`contingency`]), and every bus screened for N-1 hosting capacity ([`hosting`], on the CPU
//! by [`screen`], on a GPU by `crate::gpu::screen`). Sites are linked to buses and given the
//! figures of the grid-impact assessment the model can compute ([`site`]); the network and a
//! snapshot can be exported for other tools ([`export`]).
//!
//! Units everywhere: MW, kV, km, degrees (WGS 84), per unit on the network's MVA base.
//!
//! Entry points for callers:
//! ```no_run
//! use dcplan::grid::{HostingMap, Network, ScreenBackend};
//! let network = Network::load_shipped("sites/grid".as_ref())?;
//! let snapshots = dcplan::grid::load_snapshots(&network.dir.join("snapshots"), &network)?;
//! let map = HostingMap::compute(&network, &snapshots, ScreenBackend::cpu())?;
//! # Ok::<(), dcplan::grid::GridError>(())
//! ```

pub mod build;
pub mod capacity;
pub mod contingency;
pub mod draws;
pub mod error;
pub mod export;
pub mod flow;
pub mod geo;
pub mod hosting;
pub mod network;
pub mod params;
pub mod ranges;
pub mod screen;
pub mod site;
pub mod snapshot;
pub mod table;

pub use error::{GridError, GridProblem};
pub use hosting::{BusHosting, HostingMap, Limit, ScreenBackend, SnapshotHosting, Violation};
pub use network::{Branch, BranchKind, Bus, Network, Plant};
pub use site::{site_hosting, SiteHosting};
pub use snapshot::{load_snapshots, Snapshot};
