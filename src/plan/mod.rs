//! The multi-site pipeline: load the inputs once, simulate one site, evaluate many, rank them.
//!
//! Owns
//! - [`inputs`]: every input file read once, validated and hashed (SHA-256) from the same
//!   bytes: site files, the EPW weather files they name, the facility, the weights file;
//! - [`simulate`]: one site end to end (weather → floor plan → coupled hall fields → energy
//!   year) and its metrics, [`SiteRun`];
//! - [`evaluate`]: many sites, on CPU threads or one GPU, results in input order;
//! - [`criteria`]: which simulated metric is which ranking criterion, with its unit,
//!   direction and resolution; the default weights; why a site is infeasible;
//! - [`impact`]: the items of Korea's grid-impact assessment the model can score, per site;
//! - [`ranking`]: the decision matrix handed to `crate::rank` (pure decision analysis) and the
//!   [`RankingReport`] that `report` writes;
//! - [`suspect`]: a model failure or non-finite figure that a facility's accepted figures
//!   caused, reported as a bad facility naming its likeliest field;
//! - [`limits`]: how large a hall's grid may be, checked before anything is allocated;
//! - [`parcels`]: candidate parcels (GeoJSON) to site files, for national studies;
//! - [`shard`]: one ranking split over processes ([`shard::run_shard`]) and merged back
//!   ([`shard::merge`]) into the report a single run writes;
//! - [`run`]: the two pipelines the command line calls, each loaded first
//!   ([`load_simulation`], [`load_rank`]) and then run ([`simulate_site`], [`rank_sites`]).
//!
//! Nothing here prints or writes files. Errors are [`PlanError`]s saying who is at fault.
//!
//! Invariants: a result names every file it depends on with the hash of the bytes it was
//! computed from; the same inputs and seed give the same results, in the same order.

pub mod criteria;
pub mod error;
pub mod evaluate;
pub mod impact;
pub mod inputs;
pub mod limits;
pub mod parcels;
pub mod ranking;
pub mod run;
pub mod shard;
pub mod simulate;
pub mod suspect;
pub mod uncertainty;

pub use error::PlanError;
pub use evaluate::Evaluated;
pub use inputs::{FacilityInput, FileHash, SiteInput, DEFAULT_FACILITY};
pub use ranking::RankingReport;
pub use run::{
    load_rank, load_simulation, rank_sites, simulate_site, Progress, RankInputs, RankOutcome,
    RankRequest, SimulateRequest, SimulationInputs, WeightsSpec,
};
pub use simulate::{Precision, SimulateError, SiteRun};
