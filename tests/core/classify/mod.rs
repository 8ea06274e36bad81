//! core::classify: the precedence table case by case, recorded errors, properties.

mod cases;
mod fixtures;
mod golden;
mod props;
