//! `yingji route …` (being written in this session).

use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum RouteCommand {}

pub async fn run(command: RouteCommand) -> anyhow::Result<ExitCode> {
    match command {}
}
