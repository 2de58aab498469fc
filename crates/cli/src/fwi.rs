//! `yingji fwi` (being written in this session).

use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct FwiArgs {}

pub fn run(_args: FwiArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("yingji fwi is not finished yet")
}
