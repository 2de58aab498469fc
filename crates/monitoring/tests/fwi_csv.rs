//! The `yingji fwi` converter's handling of separators, options and unusable rows.

#![allow(clippy::unwrap_used)] // tests may unwrap

use yingji_monitoring::fwi::csv::{convert, FwiCsvError, FwiCsvOptions};
use yingji_monitoring::fwi::FwiCodes;

fn run(input: &str, opts: &FwiCsvOptions) -> Result<String, FwiCsvError> {
    let mut out = Vec::new();
    convert(input.as_bytes(), &mut out, opts)?;
    Ok(String::from_utf8(out).unwrap())
}

fn with_lat(lat: f64) -> FwiCsvOptions {
    FwiCsvOptions {
        latitude: Some(lat),
        ..FwiCsvOptions::default()
    }
}

#[test]
fn comma_input_gives_comma_output_with_six_columns_appended() {
    let out = run("mon,temp,rh,ws,prec\n4,17,42,25,0\n", &with_lat(40.0)).unwrap();
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("mon,temp,rh,ws,prec,FFMC,DMC,DC,ISI,BUI,FWI")
    );
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&row[..5], ["4", "17", "42", "25", "0"]);
    let ffmc: f64 = row[5].parse().unwrap();
    assert!((ffmc - 87.65).abs() < 0.01, "FFMC {ffmc}");
}

#[test]
fn the_latitude_option_overrides_the_lat_column() {
    // 40°N uses the Canadian tables, 20°N the tropical DMC table: DMC differs in April.
    let input = "lat;mon;temp;rh;ws;prec\n40;4;17;42;25;0\n";
    let at_40 = run(input, &FwiCsvOptions::default()).unwrap();
    let at_20 = run(input, &with_lat(20.0)).unwrap();
    assert_ne!(at_40, at_20);
    assert_eq!(at_40, run(input, &with_lat(40.0)).unwrap());
}

#[test]
fn start_codes_change_the_first_day() {
    let input = "mon,temp,rh,ws,prec\n4,17,42,25,0\n";
    let wet = FwiCsvOptions {
        start: FwiCodes::new(40.0, 2.0, 5.0).unwrap(),
        ..with_lat(40.0)
    };
    assert_ne!(
        run(input, &wet).unwrap(),
        run(input, &with_lat(40.0)).unwrap()
    );
}

#[test]
fn a_missing_latitude_is_reported_as_a_missing_column() {
    let err = run(
        "mon,temp,rh,ws,prec\n4,17,42,25,0\n",
        &FwiCsvOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, FwiCsvError::MissingColumn("lat")), "{err}");
}

#[test]
fn an_unusable_row_is_reported_with_its_line_number_and_column() {
    let input = "mon,temp,rh,ws,prec\n4,17,42,25,0\n4,18,abc,20,0\n";
    match run(input, &with_lat(40.0)) {
        Err(FwiCsvError::Row { line, column, .. }) => assert_eq!((line, column), (3, "rh")),
        other => panic!("expected a row error, got {other:?}"),
    }
}

#[test]
fn out_of_range_and_empty_values_are_row_errors() {
    let cases = [
        ("4,17,142,25,0", "rh"),
        ("4,17,42,-1,0", "ws"),
        ("4,17,42,25,-3", "prec"),
        ("13,17,42,25,0", "mon"),
        ("4,,42,25,0", "temp"),
        ("4,17,42,25,NaN", "prec"),
    ];
    for (row, column) in cases {
        let input = format!("mon,temp,rh,ws,prec\n{row}\n");
        match run(&input, &with_lat(40.0)) {
            Err(FwiCsvError::Row {
                line: 2, column: c, ..
            }) => assert_eq!(c, column, "{row}"),
            other => panic!("{row}: expected a row error on line 2, got {other:?}"),
        }
    }
}

#[test]
fn a_short_row_names_its_line() {
    let err = run("mon,temp,rh,ws,prec\n4,17,42,25,0\n4,17\n", &with_lat(40.0)).unwrap_err();
    assert!(err.to_string().starts_with("line 3"), "{err}");
}

#[test]
fn empty_input_and_bad_options_are_errors() {
    assert!(matches!(run("", &with_lat(40.0)), Err(FwiCsvError::Empty)));
    assert!(matches!(
        run("mon,temp,rh,ws,prec\n", &with_lat(95.0)),
        Err(FwiCsvError::Option(_))
    ));
}

#[test]
fn excel_exports_with_a_byte_order_mark_and_crlf_line_ends_are_read() {
    let input = "\u{feff}MON;TEMP;RH;WS;PREC\r\n4;17;42;25;0\r\n";
    let out = run(input, &with_lat(40.0)).unwrap();
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.lines().nth(1).unwrap().starts_with("4;17;42;25;0;87.6"),
        "{out}"
    );
}
