//! core::route: candidate order, health and sessions.

mod fixtures;
mod health;
mod plan;
mod props;
