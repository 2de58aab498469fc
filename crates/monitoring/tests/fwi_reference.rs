//! FWI System against the cffdrs reference tables in `../shared/data/fwi/daily-sequence`
//! (see SOURCES.md there). Values are printed with ~4 significant figures, 2 decimals ≥ 100.

#![allow(clippy::unwrap_used)] // tests may unwrap

use std::path::PathBuf;

use yingji_monitoring::fwi::csv::{convert, FwiCsvOptions};
use yingji_monitoring::fwi::{daily, DayContext, FwiCodes, FwiError, FwiIndices, NoonWeather};

fn data_dir() -> PathBuf {
    let shared = std::env::var_os("YINGJI_SHARED_DIR").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")),
        PathBuf::from,
    );
    let dir = shared.join("data/fwi/daily-sequence");
    assert!(
        dir.is_dir(),
        "reference data missing: {} (set YINGJI_SHARED_DIR)",
        dir.display()
    );
    dir
}

fn read(name: &str) -> String {
    let path = data_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One table as rows of named numbers.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<f64>>,
}

impl Table {
    fn parse(text: &str) -> Table {
        let delimiter = if text.lines().next().unwrap().contains(';') {
            b';'
        } else {
            b','
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .unwrap()
            .iter()
            .map(|h| h.to_ascii_uppercase())
            .collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(|v| v.parse().unwrap()).collect())
            .collect();
        Table { header, rows }
    }

    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap()
    }

    fn value(&self, row: usize, name: &str) -> f64 {
        self.rows[row][self.col(name)]
    }

    fn weather(&self, row: usize) -> (NoonWeather, DayContext) {
        let w = NoonWeather::new(
            self.value(row, "TEMP"),
            self.value(row, "RH"),
            self.value(row, "WS"),
            self.value(row, "PREC"),
        )
        .unwrap();
        let day = DayContext::new(self.value(row, "LAT"), self.value(row, "MON") as u8).unwrap();
        (w, day)
    }
}

/// Within half a unit of the last printed digit (SOURCES.md, "Rounding").
fn assert_matches(expected: f64, actual: f64, what: &str) {
    let tolerance = if expected.abs() >= 100.0 {
        0.005 + 1e-9
    } else {
        expected.abs() * 5e-4 + 1e-12
    };
    assert!(
        (expected - actual).abs() <= tolerance,
        "{what}: expected {expected}, computed {actual}"
    );
}

const INDICES: [&str; 6] = ["FFMC", "DMC", "DC", "ISI", "BUI", "FWI"];

fn check_row(expected: &Table, row: usize, actual: &FwiIndices, columns: &[&str]) {
    let values = [
        actual.ffmc,
        actual.dmc,
        actual.dc,
        actual.isi,
        actual.bui,
        actual.fwi,
    ];
    for (name, value) in INDICES.iter().zip(values) {
        if columns.contains(name) {
            assert_matches(
                expected.value(row, name),
                value,
                &format!("row {} {name}", row + 1),
            );
        }
    }
    if columns.len() == INDICES.len() {
        assert_matches(expected.value(row, "DSR"), actual.dsr(), "DSR");
    }
}

/// Runs `expected`'s own input columns as one sequence from `start`.
fn check_sequence(expected_file: &str, start: FwiCodes, columns: &[&str]) {
    let expected = Table::parse(&read(expected_file));
    let mut codes = start;
    for row in 0..expected.rows.len() {
        let (weather, day) = expected.weather(row);
        let today = daily(codes, &weather, day);
        check_row(&expected, row, &today, columns);
        codes = today.codes();
    }
}

#[test]
fn the_48_day_sequence_from_standard_startup_codes_matches_fwi_01() {
    check_sequence(
        "expected_fwi_01_default_init.csv",
        FwiCodes::STARTUP,
        &INDICES,
    );
}

#[test]
fn the_sequence_from_zero_codes_matches_fwi_05() {
    let zero = FwiCodes::new(0.0, 0.0, 0.0).unwrap();
    check_sequence("expected_fwi_05_zero_init.csv", zero, &INDICES);
}

#[test]
fn a_single_day_matches_fwi_09() {
    check_sequence("expected_fwi_09_row7_only.csv", FwiCodes::STARTUP, &INDICES);
}

#[test]
fn a_sub_sequence_with_a_9mm_rain_day_matches_fwi_10() {
    check_sequence("expected_fwi_10_rows8to13.csv", FwiCodes::STARTUP, &INDICES);
}

#[test]
fn every_day_computed_alone_from_startup_codes_matches_fwi_11() {
    let expected = Table::parse(&read("expected_fwi_11_each_row_from_default_init.csv"));
    assert_eq!(expected.rows.len(), 48);
    for row in 0..expected.rows.len() {
        let (weather, day) = expected.weather(row);
        check_row(
            &expected,
            row,
            &daily(FwiCodes::STARTUP, &weather, day),
            &INDICES,
        );
    }
}

#[test]
fn an_out_of_range_startup_ffmc_is_refused_instead_of_producing_nan() {
    // fwi_06 starts from FFMC 200, which cffdrs accepts with "NaNs produced".
    assert!(matches!(
        FwiCodes::new(200.0, 1000.0, 10000.0),
        Err(FwiError::OutOfRange { field: "ffmc", .. })
    ));
    assert!(FwiCodes::new(85.0, -1.0, 15.0).is_err());
    assert!(FwiCodes::new(85.0, 6.0, f64::NAN).is_err());
}

#[test]
fn very_high_dmc_and_dc_startup_codes_reproduce_fwi_06_for_the_codes_that_do_not_depend_on_ffmc() {
    // DMC 1000 and DC 10000 are extreme but legal; DMC, DC and BUI do not involve the FFMC.
    let start = FwiCodes::new(85.0, 1000.0, 10000.0).unwrap();
    check_sequence(
        "expected_fwi_06_out_of_range_init.csv",
        start,
        &["DMC", "DC", "BUI"],
    );
}

#[test]
fn the_csv_converter_reproduces_fwi_01_from_the_semicolon_input_file() {
    let mut out = Vec::new();
    let summary = convert(
        read("input_test_fwi.csv").as_bytes(),
        &mut out,
        &FwiCsvOptions::default(),
    )
    .unwrap();
    assert_eq!(summary.rows, 48);

    let produced = Table::parse(std::str::from_utf8(&out).unwrap());
    let expected = Table::parse(&read("expected_fwi_01_default_init.csv"));
    assert_eq!(
        produced.header,
        [
            "LONG", "LAT", "YR", "MON", "DAY", "TEMP", "RH", "WS", "PREC", "FFMC", "DMC", "DC",
            "ISI", "BUI", "FWI"
        ]
    );
    assert_eq!(produced.rows.len(), expected.rows.len());
    for row in 0..expected.rows.len() {
        for name in ["MON", "DAY", "TEMP", "PREC"] {
            assert_eq!(produced.value(row, name), expected.value(row, name));
        }
        for name in INDICES {
            // The converter prints 4 decimals: allow that rounding on top of the reference's.
            let (want, got) = (expected.value(row, name), produced.value(row, name));
            let tolerance = (want.abs() * 5e-4).max(0.005) + 5e-5;
            assert!(
                (want - got).abs() <= tolerance,
                "row {row} {name}: {want} vs {got}"
            );
        }
    }
    let last = expected.rows.len() - 1;
    assert_matches(expected.value(last, "DC"), summary.last_codes.dc, "last DC");
}
