//! The analysts' converter behind `yingji fwi`: a daily weather CSV in, the same rows with the
//! six FWI System outputs appended out.
//!
//! Input columns are those of cffdrs' `test_fwi` table (`long;lat;yr;mon;day;temp;rh;ws;prec`),
//! matched case-insensitively and in any order; `mon`, `temp`, `rh`, `ws` and `prec` are
//! required, `lat` only when no latitude is given in the options. The separator (`;` or `,`) is
//! taken from the header line and reused for the output. Rows must be consecutive days of one
//! station: the moisture codes carry from each row to the next.

use std::io::{BufRead, Cursor, Read, Write};

use super::{daily, DayContext, FwiCodes, FwiError, NoonWeather};

/// Options of one conversion.
#[derive(Debug, Clone, PartialEq)]
pub struct FwiCsvOptions {
    /// Station latitude (°N); when `None`, each row's `lat` column is used.
    pub latitude: Option<f64>,
    /// Codes of the day before the first row.
    pub start: FwiCodes,
}

impl Default for FwiCsvOptions {
    fn default() -> Self {
        FwiCsvOptions {
            latitude: None,
            start: FwiCodes::STARTUP,
        }
    }
}

/// What a successful conversion did.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub rows: usize,
    /// Codes after the last row: the start-up codes for a continuation run.
    pub last_codes: FwiCodes,
}

#[derive(Debug, thiserror::Error)]
pub enum FwiCsvError {
    #[error("the input is empty: expected a header line")]
    Empty,
    #[error("line 1: required column `{0}` is missing")]
    MissingColumn(&'static str),
    #[error("line {line}, column `{column}`: {reason}")]
    Row {
        line: u64,
        column: &'static str,
        reason: String,
    },
    #[error("line {line}: {source}")]
    Csv { line: u64, source: csv::Error },
    #[error("invalid option: {0}")]
    Option(FwiError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

const OUTPUT_COLUMNS: [&str; 6] = ["FFMC", "DMC", "DC", "ISI", "BUI", "FWI"];

struct Columns {
    mon: usize,
    temp: usize,
    rh: usize,
    ws: usize,
    prec: usize,
    lat: Option<usize>,
}

impl Columns {
    fn find(header: &csv::StringRecord, need_lat: bool) -> Result<Self, FwiCsvError> {
        let position = |name: &'static str| {
            header
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let required = |name| position(name).ok_or(FwiCsvError::MissingColumn(name));
        let lat = position("lat");
        if need_lat && lat.is_none() {
            return Err(FwiCsvError::MissingColumn("lat"));
        }
        Ok(Columns {
            mon: required("mon")?,
            temp: required("temp")?,
            rh: required("rh")?,
            ws: required("ws")?,
            prec: required("prec")?,
            lat,
        })
    }
}

/// Converts `input` to `output`, stopping at the first row it cannot use.
///
/// Stopping (rather than skipping) is deliberate: a skipped day would silently carry the
/// previous day's codes across a gap and shift every later value.
pub fn convert(
    mut input: impl BufRead,
    output: impl Write,
    opts: &FwiCsvOptions,
) -> Result<Summary, FwiCsvError> {
    let latitude = opts
        .latitude
        .map(|lat| DayContext::new(lat, 1).map(|_| lat))
        .transpose()
        .map_err(FwiCsvError::Option)?;
    FwiCodes::new(opts.start.ffmc, opts.start.dmc, opts.start.dc).map_err(FwiCsvError::Option)?;

    let mut header_line = String::new();
    if input.read_line(&mut header_line)? == 0 {
        return Err(FwiCsvError::Empty);
    }
    let delimiter = if header_line.matches(';').count() > header_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(Cursor::new(header_line.into_bytes()).chain(input));
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(output);

    let header = reader
        .headers()
        .map_err(|source| FwiCsvError::Csv { line: 1, source })?
        .clone();
    let columns = Columns::find(&header, latitude.is_none())?;
    let mut out_header = header.clone();
    out_header.extend(OUTPUT_COLUMNS);
    writer
        .write_record(&out_header)
        .map_err(|source| FwiCsvError::Csv { line: 1, source })?;

    let mut codes = opts.start;
    let mut rows = 0;
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(source) => return Err(FwiCsvError::Csv { line, source }),
        }
        let line = record.position().map_or(line, |p| p.line());
        let row = Row {
            record: &record,
            line,
        };
        let day = DayContext::new(
            match latitude {
                Some(lat) => lat,
                None => row.number(columns.lat, "lat")?,
            },
            row.month(columns.mon)?,
        )
        .map_err(|e| row.invalid(e))?;
        let weather = NoonWeather::new(
            row.number(Some(columns.temp), "temp")?,
            row.number(Some(columns.rh), "rh")?,
            row.number(Some(columns.ws), "ws")?,
            row.number(Some(columns.prec), "prec")?,
        )
        .map_err(|e| row.invalid(e))?;
        let today = daily(codes, &weather, day);
        codes = today.codes();
        let mut out = record.clone();
        for value in [
            today.ffmc, today.dmc, today.dc, today.isi, today.bui, today.fwi,
        ] {
            out.push_field(&format_index(value));
        }
        writer
            .write_record(&out)
            .map_err(|source| FwiCsvError::Csv { line, source })?;
        rows += 1;
    }
    writer.flush()?;
    Ok(Summary {
        rows,
        last_codes: codes,
    })
}

/// Four decimals: more than the indices' own precision, and stable across platforms.
fn format_index(value: f64) -> String {
    let rounded = (value * 1e4).round() / 1e4;
    format!("{rounded}")
}

struct Row<'a> {
    record: &'a csv::StringRecord,
    line: u64,
}

impl Row<'_> {
    fn field(&self, index: Option<usize>, column: &'static str) -> Result<&str, FwiCsvError> {
        index
            .and_then(|i| self.record.get(i))
            .filter(|text| !text.is_empty())
            .ok_or_else(|| self.error(column, "value is missing".to_owned()))
    }

    fn number(&self, index: Option<usize>, column: &'static str) -> Result<f64, FwiCsvError> {
        let text = self.field(index, column)?;
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| self.error(column, format!("`{text}` is not a number")))
    }

    fn month(&self, index: usize) -> Result<u8, FwiCsvError> {
        let text = self.field(Some(index), "mon")?;
        text.parse::<u8>()
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| self.error("mon", format!("`{text}` is not a month 1-12")))
    }

    fn invalid(&self, error: FwiError) -> FwiCsvError {
        let FwiError::OutOfRange { field, .. } = &error;
        self.error(field, error.to_string())
    }

    fn error(&self, column: &'static str, reason: String) -> FwiCsvError {
        FwiCsvError::Row {
            line: self.line,
            column,
            reason,
        }
    }
}
