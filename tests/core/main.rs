//! Native tests of src/core, one binary with a module per core module (tests/core/<module>):
//! one build and one link instead of one per file, and the tests of every module run in
//! parallel. Browser tests are tests/web.rs and tests/web_oauth.rs.

mod call;
mod catalog;
mod classify;
mod endpoints;
mod hostile;
mod json;
mod keyinfo;
mod needs;
mod options;
mod output;
mod params;
mod parsers;
mod quota;
mod route;
mod sse;
mod sticky;
mod wire;
