//! Single outages (N-1): the loss of ONE circuit of a branch (one transformer unit), their
//! line-outage distribution factors, and the outages that would island part of the network.
//!
//! A branch `k` of `n` circuits loses the fraction `ρ = 1/n` of its susceptance. With
//! `t = PTDF_k(a→b)` the flow on `k` per MW moved between its own ends, the flow after the
//! outage on every branch `l` is `f_l + D_lk f_k`, where
//! - `D_lk = ρ PTDF_l(a→b) / (1 − ρ t)` for `l ≠ k` (the line-outage distribution factor,
//!   LODF, when `n = 1`), and
//! - `D_kk = (1 − ρ) / (1 − ρ t) − 1` for the circuits of `k` that remain (`−1` when `n = 1`).
//!
//! The same map carries any change of injections, so sensitivities transform alike. An outage
//! is *islanding* when the branch has one circuit and is a bridge of the network graph (then
//! `1 − t = 0`): the buses beyond it lose supply. Those outages are listed with the buses they
//! cut off and are not flow contingencies, because a DC model cannot balance an island.
//!
//! Invariants: `d` is outages × branches, row-major (`d[o * m + l] = D_l,k(o)`); bridges are
//! found on the graph, not by a tolerance on `1 − t`, and every credible outage has
//! `1 − ρ t > 0`.

use super::error::GridError;
use super::flow::DcModel;
use super::network::{components, Network};

#[derive(Debug, Clone, PartialEq)]
pub struct IslandingOutage {
    pub branch: usize,
    /// Buses that lose their connection to the rest of the network.
    pub cut_off: Vec<usize>,
}

pub struct Outages {
    /// Branch whose one circuit is lost, per credible outage, in branch order.
    pub credible: Vec<usize>,
    pub islanding: Vec<IslandingOutage>,
    /// Outage distribution factors, `credible.len() × branches`.
    pub d: Vec<f64>,
    pub branches: usize,
}

impl Outages {
    pub fn new(network: &Network, model: &DcModel) -> Result<Outages, GridError> {
        let m = model.branches;
        let n = model.buses;
        let bridges = bridges(n, &model.from, &model.to);
        let mut credible = Vec::new();
        let mut islanding = Vec::new();
        for (k, branch) in network.branches.iter().enumerate() {
            if branch.circuits == 1 && bridges[k] {
                let labels = components(
                    n,
                    (0..m)
                        .filter(|&l| l != k)
                        .map(|l| (model.from[l], model.to[l])),
                );
                // the side without the largest share of buses is the one cut off
                let side_from = labels[model.from[k]];
                let count_from = labels.iter().filter(|&&c| c == side_from).count();
                let cut_side = if count_from * 2 <= n {
                    side_from
                } else {
                    labels[model.to[k]]
                };
                let cut_off = (0..n).filter(|&i| labels[i] == cut_side).collect();
                islanding.push(IslandingOutage { branch: k, cut_off });
            } else {
                credible.push(k);
            }
        }
        let mut d = vec![0.0; credible.len() * m];
        for (o, &k) in credible.iter().enumerate() {
            let rho = 1.0 / network.branches[k].circuits as f64;
            let (a, b) = (model.from[k], model.to[k]);
            let t = model.transfer(k, a, b);
            let denom = 1.0 - rho * t;
            if denom.is_nan() || denom <= 0.0 {
                return Err(GridError::Internal(format!(
                    "outage of one circuit of branch {} leaves 1 - rho*t = {denom} but the branch is no bridge",
                    network.branches[k].id
                )));
            }
            let row = &mut d[o * m..(o + 1) * m];
            for (l, v) in row.iter_mut().enumerate() {
                *v = if l == k {
                    (1.0 - rho) / denom - 1.0
                } else {
                    rho * model.transfer(l, a, b) / denom
                };
            }
        }
        Ok(Outages {
            credible,
            islanding,
            d,
            branches: m,
        })
    }

    pub fn len(&self) -> usize {
        self.credible.len()
    }

    pub fn is_empty(&self) -> bool {
        self.credible.is_empty()
    }

    pub fn row(&self, outage: usize) -> &[f64] {
        &self.d[outage * self.branches..(outage + 1) * self.branches]
    }

    /// Flows after each credible outage, outages × branches: `f_l + D_lk f_k`.
    pub fn post_outage_flows(&self, base: &[f64]) -> Vec<f64> {
        let m = self.branches;
        let mut out = vec![0.0; self.credible.len() * m];
        for (o, &k) in self.credible.iter().enumerate() {
            let fk = base[k];
            let row = self.row(o);
            for l in 0..m {
                out[o * m + l] = base[l] + row[l] * fk;
            }
        }
        out
    }
}

/// Which edges are bridges (their removal disconnects the graph). Parallel edges between the
/// same pair of nodes are never bridges. Iterative Tarjan low-link, so deep graphs cannot
/// overflow the stack.
pub fn bridges(nodes: usize, from: &[usize], to: &[usize]) -> Vec<bool> {
    let m = from.len();
    let mut adjacency: Vec<Vec<(usize, usize)>> = vec![Vec::new(); nodes];
    for e in 0..m {
        adjacency[from[e]].push((to[e], e));
        adjacency[to[e]].push((from[e], e));
    }
    let mut is_bridge = vec![false; m];
    let mut order = vec![usize::MAX; nodes];
    let mut low = vec![0usize; nodes];
    let mut counter = 0;
    for root in 0..nodes {
        if order[root] != usize::MAX {
            continue;
        }
        // stack of (node, edge used to enter it, next adjacency position)
        let mut stack: Vec<(usize, usize, usize)> = vec![(root, usize::MAX, 0)];
        order[root] = counter;
        low[root] = counter;
        counter += 1;
        while let Some(top) = stack.last_mut() {
            let (v, entry) = (top.0, top.1);
            if top.2 < adjacency[v].len() {
                let (w, e) = adjacency[v][top.2];
                top.2 += 1;
                if e == entry {
                    continue;
                }
                if order[w] == usize::MAX {
                    order[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push((w, e, 0));
                } else {
                    low[v] = low[v].min(order[w]);
                }
            } else {
                stack.pop();
                if let Some(&(parent, _, _)) = stack.last() {
                    low[parent] = low[parent].min(low[v]);
                    if low[v] > order[parent] {
                        is_bridge[entry] = true;
                    }
                }
            }
        }
    }
    is_bridge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bridges_of_a_ring_with_a_tail_and_a_doubled_spur() {
        // ring 0-1-2-0, tail 2-3, doubled spur 3-4 (two parallel edges)
        let from = [0, 1, 2, 2, 3, 3];
        let to = [1, 2, 0, 3, 4, 4];
        assert_eq!(
            bridges(5, &from, &to),
            vec![false, false, false, true, false, false]
        );
    }
}
