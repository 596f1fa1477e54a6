//! The planning model of one site: the data hall's coupled heat and power fields at the
//! design hot hour, and (in `energy`) the year's hourly energy balance. See docs/MODEL.md.

pub mod airflow;
pub mod energy;
pub mod hall;
pub mod params;
pub mod plant;

pub use hall::{Conditions, HallError, HallModel, HallResult};
pub use params::HallParams;
