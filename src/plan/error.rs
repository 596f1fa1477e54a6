//! What can stop the pipeline, by who is at fault; the command line turns each into its exit
//! code (`cli::exit`).

use super::simulate::SimulateError;
use crate::rank::RankError;
use crate::site::Findings;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Bad input files: every finding of every file.
    #[error(transparent)]
    Inputs(#[from] Findings),
    /// A bad request that is not a file's content (no site given, unreadable weights).
    #[error("{0}")]
    Request(String),
    /// Bad weights or ranking options.
    #[error(transparent)]
    Rank(#[from] RankError),
    /// One site could not be simulated.
    #[error("{}: {source}", file.display())]
    Simulate {
        file: PathBuf,
        #[source]
        source: SimulateError,
    },
    /// A facility whose figures pass every check but that the model could not use (a coupled
    /// solve that did not settle, a non-finite result); `field` is the likeliest culprit.
    #[error("{}: {field}: {reason}", file.display())]
    Facility {
        file: PathBuf,
        field: String,
        reason: String,
    },
    /// The grid model beside the sites could not be read or screened.
    #[error("grid model: {0}")]
    Grid(#[from] crate::grid::GridError),
    /// An invariant of dcplan's own does not hold (a bug, not an input).
    #[error("internal error: {0}")]
    Internal(String),
    /// A worker thread panicked (a bug, not an input).
    #[error("a simulation thread stopped unexpectedly")]
    WorkerStopped,
}
