//! `yingji cap …`: Common Alerting Protocol tools.

use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;
use yingji_cap::{validate_file, ReadOptions};

#[derive(Subcommand)]
pub enum CapCommand {
    /// Validate CAP 1.2 files (single alerts or EDXL-DE containers, every alert checked on
    /// its own) against the XSD, CAP 1.2 section 3 and XML signatures. Prints `OK` or every
    /// violation with its element path; exits 1 if any file is invalid.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

pub fn run(command: CapCommand) -> anyhow::Result<ExitCode> {
    match command {
        CapCommand::Validate { files } => Ok(validate_files(&files)),
    }
}

fn validate_files(files: &[PathBuf]) -> ExitCode {
    let options = ReadOptions::default();
    let mut invalid = 0usize;
    for path in files {
        let report = validate_file(path, &options);
        if !report.is_valid() {
            invalid += 1;
        }
        println!("{report}");
    }
    if invalid == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!("{invalid} of {} file(s) invalid", files.len());
        ExitCode::FAILURE
    }
}
