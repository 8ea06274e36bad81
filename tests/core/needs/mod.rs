//! core::needs: what a request needs, and why no candidate has it.

mod analyse;
mod props;
