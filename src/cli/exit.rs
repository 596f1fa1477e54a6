//! Exit codes, decided here and nowhere else: [`Exit`] lists them, and [`exit_for`] maps every
//! failure, down to the solver's and the device's, onto one.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | internal error (a bug, a solve that did not converge) |
//! | 2 | bad input: arguments, site, facility, weather or weights files (the message names file, field and reason) |
//! | 3 | no feasible site (`rank`; the report is still written) |
//! | 4 | GPU or device error (no adapter, a grid too large for its limits, allocation or pipeline failure) |
//! | 5 | output error: the `--out` folder cannot be created, replaced or written (the message names the file or folder) |
//! | 128+N | stopped by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP); unfinished files removed, an existing output folder left as it was |

use super::CliError;
use crate::model::HallError;
use crate::plan::{PlanError, SimulateError};
use crate::solver::SolveError;
use std::process::ExitCode;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Success,
    Internal,
    BadInput,
    NoFeasibleSite,
    Device,
    Output,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Internal => 1,
            Exit::BadInput => 2,
            Exit::NoFeasibleSite => 3,
            Exit::Device => 4,
            Exit::Output => 5,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

/// The exit of a failed run.
pub fn exit_for(e: &CliError) -> Exit {
    match e {
        CliError::Args(_) | CliError::Inputs(_) => Exit::BadInput,
        // a part missing, twice, unreadable or from another study is a bad input
        CliError::Shard(_) => Exit::BadInput,
        CliError::Parcels(_) => Exit::BadInput,
        CliError::Plan(p) => plan_exit(p),
        CliError::Device(_) => Exit::Device,
        CliError::Solve(s) => solve_exit(s),
        CliError::Output(_) | CliError::Write(_) | CliError::OutputDir(_) => Exit::Output,
        CliError::Other(_) => Exit::Internal,
    }
}

fn plan_exit(e: &PlanError) -> Exit {
    match e {
        PlanError::Inputs(_)
        | PlanError::Request(_)
        | PlanError::Rank(_)
        | PlanError::Facility { .. } => Exit::BadInput,
        PlanError::Simulate { source, .. } => simulate_exit(source),
        PlanError::Grid(g) => grid_exit(g),
        PlanError::WorkerStopped | PlanError::Internal(_) => Exit::Internal,
    }
}

fn grid_exit(g: &crate::grid::GridError) -> Exit {
    match g.exit_code() {
        2 => Exit::BadInput,
        4 => Exit::Device,
        _ => Exit::Internal,
    }
}

/// A site's inputs that no check could catch before the model ran (its weather, its grid,
/// its energy inputs) are bad input; a solver or device failure keeps its own code; a
/// coupling that does not settle is internal.
fn simulate_exit(e: &SimulateError) -> Exit {
    match e {
        SimulateError::Climate(_) | SimulateError::Layout(_) | SimulateError::Energy(_) => {
            Exit::BadInput
        }
        SimulateError::Grid(g) => grid_exit(g),
        SimulateError::Hall(h) => match h.solve_error() {
            Some(s) => solve_exit(s),
            // a layout the airflow refuses (a sealed, unbalanced aisle) is the facility's
            None if matches!(
                h,
                HallError::Air(crate::model::airflow::AirflowError::Layout(_))
            ) =>
            {
                Exit::BadInput
            }
            None => Exit::Internal,
        },
    }
}

fn solve_exit(e: &SolveError) -> Exit {
    match e {
        SolveError::Problem(_) => Exit::BadInput,
        SolveError::Device(_) => Exit::Device,
        SolveError::NotConverged { .. } => Exit::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::GpuError;
    use crate::site::Findings;

    #[test]
    fn every_kind_of_failure_has_its_documented_code() {
        let device = || SolveError::Device(Box::new(GpuError::Device("lost".into())));
        let simulate = |source| {
            CliError::Plan(PlanError::Simulate {
                file: "sites/x.json".into(),
                source,
            })
        };
        let cases: Vec<(CliError, u8)> = vec![
            (CliError::Args("--top".into()), 2),
            (CliError::Inputs(Findings(Vec::new())), 2),
            (CliError::Plan(PlanError::Request("weights".into())), 2),
            (CliError::Plan(PlanError::WorkerStopped), 1),
            (
                simulate(SimulateError::Hall(HallError::Coupling {
                    iterations: 30,
                    change_k: 1.0,
                })),
                1,
            ),
            (
                simulate(SimulateError::Hall(HallError::Air(
                    crate::model::airflow::AirflowError::Heat(device()),
                ))),
                4,
            ),
            (
                simulate(SimulateError::Hall(HallError::Power(
                    SolveError::NotConverged {
                        cycles: 60,
                        eta: 1.0,
                        rel: 1.0,
                    },
                ))),
                1,
            ),
            (CliError::Device(GpuError::Device("lost".into())), 4),
            (CliError::Solve(device()), 4),
            (CliError::Other(anyhow::anyhow!("bug")), 1),
            (
                CliError::OutputDir(crate::fsio::OutputError {
                    path: "/dev/null".into(),
                    reason: "not a folder".into(),
                }),
                5,
            ),
            (
                CliError::Write(crate::fsio::WriteError {
                    path: "report/ranking.json".into(),
                    source: std::io::Error::other("No space left on device"),
                }),
                5,
            ),
        ];
        for (e, code) in cases {
            assert_eq!(exit_for(&e).code(), code, "{e}");
        }
        assert_eq!(Exit::NoFeasibleSite.code(), 3);
        assert_eq!(Exit::Success.code(), 0);
        assert_eq!(Exit::Output.code(), 5);
    }
}
