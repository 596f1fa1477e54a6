//! DC load flow on the network: `B θ = P` with `B` the branch-susceptance Laplacian grounded at
//! a reference bus, factored once by [`crate::solver::laplacian::LaplacianFactor`]; branch flows
//! `f = b (θ_from − θ_to)`; and the power-transfer distribution factors (PTDF): the flow on each
//! branch per MW injected at each bus and withdrawn at the reference.
//!
//! Invariants: the factor exists only for a connected network; `ptdf` is branches × buses,
//! row-major, with a zero column at the reference. For any balanced injection (summing to
//! zero) flows do not depend on the choice of reference. Units: MW, radians, MW/rad.

use super::error::GridError;
use super::network::Network;
use crate::solver::laplacian::LaplacianFactor;

pub struct DcModel {
    pub buses: usize,
    pub branches: usize,
    pub reference: usize,
    /// Total susceptance of each branch (all circuits), MW/rad.
    pub susceptance: Vec<f64>,
    pub from: Vec<usize>,
    pub to: Vec<usize>,
    pub factor: LaplacianFactor,
    /// `ptdf[l * buses + i]`: MW on branch `l` (positive from → to) per MW injected at bus `i`.
    pub ptdf: Vec<f64>,
}

impl DcModel {
    /// Builds and factors `B`, and computes the PTDF matrix (one solve per bus). The angle
    /// reference is bus 0.
    pub fn new(network: &Network) -> Result<DcModel, GridError> {
        let base = network.info.base_mva;
        let from: Vec<usize> = network.branches.iter().map(|b| b.from).collect();
        let to: Vec<usize> = network.branches.iter().map(|b| b.to).collect();
        let susceptance: Vec<f64> = network
            .branches
            .iter()
            .map(|b| b.susceptance_mw_per_rad(base))
            .collect();
        Self::from_parts(network.buses.len(), from, to, susceptance, 0)
    }

    pub fn from_parts(
        buses: usize,
        from: Vec<usize>,
        to: Vec<usize>,
        susceptance: Vec<f64>,
        reference: usize,
    ) -> Result<DcModel, GridError> {
        let edges: Vec<(usize, usize, f64)> = (0..from.len())
            .map(|l| (from[l], to[l], susceptance[l]))
            .collect();
        let factor = LaplacianFactor::factor(buses, &edges, reference)
            .map_err(|e| GridError::Internal(format!("the network's B matrix: {e}")))?;
        let m = from.len();
        let mut ptdf = vec![0.0; m * buses];
        let mut rhs = vec![0.0; buses];
        let mut theta = vec![0.0; buses];
        let mut work = vec![0.0; buses];
        for i in 0..buses {
            if i == reference {
                continue;
            }
            rhs[i] = 1.0;
            factor.solve_into(&rhs, &mut theta, &mut work);
            rhs[i] = 0.0;
            for l in 0..m {
                ptdf[l * buses + i] = susceptance[l] * (theta[from[l]] - theta[to[l]]);
            }
        }
        Ok(DcModel {
            buses,
            branches: m,
            reference,
            susceptance,
            from,
            to,
            factor,
            ptdf,
        })
    }

    /// Bus voltage angles, radians, for net injections in MW (the reference entry is ignored:
    /// the reference bus absorbs the imbalance).
    pub fn angles(&self, injection_mw: &[f64]) -> Vec<f64> {
        self.factor.solve(injection_mw)
    }

    /// Branch flows, MW (positive from → to), by a solve of `B θ = P`.
    pub fn flows(&self, injection_mw: &[f64]) -> Vec<f64> {
        let theta = self.angles(injection_mw);
        (0..self.branches)
            .map(|l| self.susceptance[l] * (theta[self.from[l]] - theta[self.to[l]]))
            .collect()
    }

    pub fn ptdf(&self, branch: usize, bus: usize) -> f64 {
        self.ptdf[branch * self.buses + bus]
    }

    /// Flow on `branch` per MW moved from bus `a` to bus `b`.
    pub fn transfer(&self, branch: usize, a: usize, b: usize) -> f64 {
        self.ptdf(branch, a) - self.ptdf(branch, b)
    }

    /// `Σ_j ptdf[l][j] w[j]` for every branch: flows of the injection pattern `w`.
    pub fn ptdf_times(&self, w: &[f64]) -> Vec<f64> {
        (0..self.branches)
            .map(|l| {
                let row = &self.ptdf[l * self.buses..(l + 1) * self.buses];
                row.iter().zip(w).map(|(p, x)| p * x).sum()
            })
            .collect()
    }
}
