//! `yingji fwi`: daily weather CSV on stdin → the same rows with FFMC, DMC, DC, ISI, BUI and
//! FWI appended on stdout. A row that cannot be used stops the run with its line number.

use clap::Args;
use std::io::{BufReader, BufWriter, Write};
use std::process::ExitCode;
use yingji_monitoring::fwi::csv::{convert, FwiCsvOptions};
use yingji_monitoring::fwi::FwiCodes;

#[derive(Args)]
pub struct FwiArgs {
    /// Station latitude in degrees north; without it each row's `lat` column is used.
    #[arg(long, allow_hyphen_values = true)]
    pub lat: Option<f64>,
    /// Fine Fuel Moisture Code of the day before the first row.
    #[arg(long, default_value_t = FwiCodes::STARTUP.ffmc)]
    pub ffmc0: f64,
    /// Duff Moisture Code of the day before the first row.
    #[arg(long, default_value_t = FwiCodes::STARTUP.dmc)]
    pub dmc0: f64,
    /// Drought Code of the day before the first row.
    #[arg(long, default_value_t = FwiCodes::STARTUP.dc)]
    pub dc0: f64,
}

pub fn run(args: FwiArgs) -> anyhow::Result<ExitCode> {
    let options = FwiCsvOptions {
        latitude: args.lat,
        start: FwiCodes {
            ffmc: args.ffmc0,
            dmc: args.dmc0,
            dc: args.dc0,
        },
    };
    let input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    match convert(input, &mut output, &options) {
        Ok(summary) => {
            output.flush()?;
            eprintln!(
                "{} rows; last codes FFMC {:.1} DMC {:.1} DC {:.1}",
                summary.rows,
                summary.last_codes.ffmc,
                summary.last_codes.dmc,
                summary.last_codes.dc
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            // Rows before the bad one were written; flush them so the analyst sees where it stopped.
            let _ = output.flush();
            eprintln!("yingji fwi: {error}");
            Ok(ExitCode::from(2))
        }
    }
}
