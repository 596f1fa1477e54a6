//! Decision analysis behind `dcplan rank`: turns a matrix of criterion values per alternative
//! into scores, an order, a Pareto front and a measure of how stable the winner is.
//!
//! This module knows nothing about sites, models or solvers, and imports nothing else of the
//! crate: `plan` builds the matrix from simulated sites (its `criteria` say which metric is
//! which criterion) and calls the functions here. An alternative is an id string; a criterion
//! is a key, a label, a unit and a [`Direction`] saying whether more is better
//! ([`Direction::Benefit`]) or less is better ([`Direction::Cost`]). Values are in the
//! criterion's own unit and must be finite; [`Matrix::new`] checks the shape, the ids and the
//! values once, and everything below assumes a checked matrix.
//!
//! # Weights
//!
//! [`Weights`] holds one non-negative weight per criterion, in criterion order, scaled so that
//! they add up to 1. Only the ratios between weights matter, so a user can write `3` and `1`
//! instead of `0.75` and `0.25`. Overrides (`key=value,key=value`) and JSON files name criteria
//! by key; every rejection names the offending key.
//!
//! # Weighted sum (the default score)
//!
//! Raw values have different units (MW, km, KRW/kWh), so each criterion is first mapped onto
//! [0, 1] by min-max scaling across the alternatives being ranked: the best value becomes 1 and
//! the worst 0, with a straight line in between. For a benefit criterion that is
//! `(x - min) / (max - min)`; for a cost criterion the line is flipped, `(max - x) / (max - min)`.
//! When every alternative has the same value there is nothing to scale against; that criterion
//! then gives every alternative 1, adds the same amount to every score and cannot change the
//! order. The score is the weighted sum of these scaled values, so it lies in [0, 1], and each
//! term `w_c * n_c` is reported as that criterion's contribution. Because scaling is relative to
//! the set, adding or removing an alternative can move the others' scores.
//!
//! # TOPSIS (a second opinion)
//!
//! [`topsis`] follows Hwang & Yoon (1981): each criterion column is divided by its Euclidean
//! length, multiplied by its weight, and each alternative is placed between an ideal point (best
//! value of every criterion) and an anti-ideal point (worst of every criterion). The closeness
//! `d- / (d+ + d-)` is 1 at the ideal and 0 at the anti-ideal. Vector scaling only makes sense
//! for values on a ratio scale (zero means none), which holds for the quantities `dcplan` ranks.
//!
//! # Order
//!
//! [`rank_order`] sorts by score, highest first; equal scores are ordered by alternative id so
//! that the same input always gives the same order, whatever the input order.
//!
//! # Stability
//!
//! Weights are judgements, so [`stability`] asks how often each alternative would still win, or
//! stay in the top K, if the weights were somewhat different. Each draw mixes the chosen weights
//! with a random point `s` of the probability simplex: `w' = (1 - radius) w + radius s`. The
//! point `s` is uniform over the simplex (the flat Dirichlet distribution): sort `n - 1`
//! uniform numbers on [0, 1] and take the gaps between 0, the sorted numbers and 1. That is the
//! same distribution as normalised exponential draws, but needs only comparisons and
//! subtractions, so a seed gives bit-identical weights on every platform (no `ln` from the
//! system maths library). With `radius = 1` the chosen weights are ignored and every weighting
//! is equally likely; smaller radii stay closer to the choice; `w'` is always a valid weighting.
//! Each draw is scored by the weighted sum over a scaled matrix computed once, ordered with the
//! same tie-break as [`rank_order`], and the first places and top-K finishes are counted. The
//! random stream is ChaCha8 seeded with `seed_from_u64`, which the `rand_chacha` authors keep
//! identical across platforms and versions of the same major release.

mod criteria;
mod error;
mod order;
mod pareto;
mod stability;
mod topsis;
mod weighted_sum;
mod weights;

pub use criteria::{Criterion, Direction, Matrix};
pub use error::RankError;
pub use order::{rank_order, ranks_from_order};
pub use pareto::{dominates, pareto_front};
pub use stability::{
    stability, Stability, WeightSampler, DEFAULT_DRAWS, DEFAULT_RADIUS, DEFAULT_TOP_K,
};
pub use topsis::topsis;
pub use weighted_sum::{normalise_min_max, weighted_sum, Scored};
pub use weights::{parse_overrides, weights_from_json, Weights};
