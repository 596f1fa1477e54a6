//! [`Valid`]: a site or facility that passed every check of [`validate`](super::validate).
//!
//! Only `validate` makes one, so a model that takes `&Valid<Facility>` or `&Valid<Site>` (the
//! energy model, the pipeline) relies on those checks and never re-checks with bounds of its
//! own. It reads like the value itself (`Deref`); to change a field, take the value out with
//! [`Valid::into_inner`] and validate it again.

use std::ops::Deref;

/// A value that passed validation. See the module comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Valid<T>(T);

impl<T> Valid<T> {
    /// Wraps a value that has just passed validation (for `validate` only).
    pub(super) fn checked(value: T) -> Self {
        Valid(value)
    }

    /// The value, no longer marked as checked.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Valid<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
