//! yingji-monitoring: turns sensor observations into graded warnings and faults.
//!
//! A pure library: no I/O except the reader/writer handed to [`fwi::csv::convert`], no clock
//! (time always arrives as a parameter), no async runtime, no storage.

pub mod fwi;
