//! `yingji cap …` (being written in this session).

use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum CapCommand {}

pub fn run(command: CapCommand) -> anyhow::Result<ExitCode> {
    match command {}
}
