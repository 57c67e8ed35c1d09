//! Integration tests for the simulator, one binary: each module drives a live simulator on
//! 127.0.0.1:0 with reqwest, as the importer's tests will.

mod control;
mod errors;
mod generation;
mod helpers;
mod limits;
mod oauth;
mod reading;
mod writing;
