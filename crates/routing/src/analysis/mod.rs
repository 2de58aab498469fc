//! Planning analyses on top of the router: coverage, aerial reach, evacuation, exposure.
