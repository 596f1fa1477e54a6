//! Input files: site and facility formats, their validation, and their JSON Schema.
//!
//! Owns `sites/*.json` (one candidate site each) and `sites/facilities/*.json` (one facility
//! design each): the serde types ([`types`]), the one list of numeric rules ([`rules`], with
//! the bounds in [`limits`]) that validation, the schema and the models share, the checks that
//! turn any bad input into [`Finding`]s naming file, JSON path, line:column and what was
//! expected ([`validate`]), and the schema editors use ([`schema`]).
//!
//! Invariants: a [`Valid`] site or facility (what [`load_site`], [`load_facility`],
//! [`validate_site`] and [`validate_facility`] return, and nothing else makes) has passed every
//! check: all numbers finite and within [`rules`], monthly series exactly 12 long, every
//! `assumed` entry naming a field present in its file, any EPW file present. Findings come in
//! the format's field order. Nothing here panics on input; errors are values.
//!
//! Units are in the field names: `_c` °C, `_k` kelvin (temperature differences), `_m` metres,
//! `_km`, `_mw`, `_kw`, `_kv`, `_v` volts, `_pct` percent, `_krw_per_kwh`, `_kg_per_kwh` (kg CO2),
//! `_s_m` siemens-metres; `lat`/`lon` are WGS 84 degrees; `_fraction`/`_efficiency` are 0-1.
//! Monthly series run January to December.

pub mod finding;
pub mod limits;
pub mod locate;
pub mod ranges;
pub mod rules;
pub mod schema;
pub mod types;
pub mod valid;
pub mod validate;

pub use finding::{excerpt, Detail, Finding, FindingKind, Findings, SiteError};
pub use schema::{facility_schema, site_schema};
pub use types::{
    AirDesign, AirSupply, Campus, Climate, Containment, Cooling, CoolingDesign, CoolingType,
    Electrical, Facility, Footprint, Hazards, KmaStation, Land, LiquidCooling, Movers, PlantSizing,
    Power, RejectionKind, Site, SizingCondition,
};
pub use valid::Valid;
pub use validate::{
    check_facility, check_fit, check_site, expand_paths, load_facility, load_site, parse_facility,
    parse_site, resolve_epw, set_weather_dir, validate_all, validate_facility,
    validate_facility_file, validate_paths, validate_site, validate_site_file, FileKind,
};
