//! core::quota: windows, learning, the spend budget, the stored format and merges.

mod budget;
mod learn;
mod persist;
mod windows;
