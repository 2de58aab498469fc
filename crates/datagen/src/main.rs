//! `yingji-datagen --shared ../shared --out data/jizhou [--seed 20210701]`

use std::path::PathBuf;
use std::process::ExitCode;

use yingji_datagen::{generate, Config, DEFAULT_SEED};

const USAGE: &str = "usage: yingji-datagen --shared <shared dir> --out <output dir> [--seed <u64>]";

fn parse_args(args: &[String]) -> Result<(Config, PathBuf), String> {
    let mut shared = None;
    let mut out = None;
    let mut seed = DEFAULT_SEED;
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let mut value = || {
            iter.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Err("generates the county dataset".to_string()),
            "--shared" => shared = Some(PathBuf::from(value()?)),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--seed" => {
                let text = value()?;
                seed = text
                    .parse()
                    .map_err(|_| format!("--seed: '{text}' is not an unsigned integer"))?;
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    let shared_dir = shared.ok_or("--shared is required")?;
    let out = out.ok_or("--out is required")?;
    Ok((Config { shared_dir, seed }, out))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (config, out) = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match generate(&config).and_then(|dataset| {
        dataset.write_to(&out)?;
        Ok(dataset)
    }) {
        Ok(dataset) => {
            for (name, bytes) in &dataset.files {
                println!("{:>10} bytes  {}", bytes.len(), out.join(name).display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("yingji-datagen: {e}");
            ExitCode::FAILURE
        }
    }
}
