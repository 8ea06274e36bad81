//! core::route: candidate order, health and sessions.

pub(crate) mod fixtures;
mod health;
mod plan;
mod props;
