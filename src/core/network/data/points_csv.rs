//! `[data] kind = "csv"`: the user's own points. The caller reads the file; this parses its
//! text and says exactly where it is wrong (the caller adds the file's name).

use std::collections::BTreeMap;

use csv::{ReaderBuilder, StringRecord, Trim};
use ndarray::Array2;

use super::Dataset;

/// Where a CSV file is wrong and why: `row` is the file's 1-based line, `column` 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {row}, column {column}: {message}")]
pub struct CsvError {
    /// The 1-based line of the file.
    pub row: usize,
    /// The 1-based column (field) of that line.
    pub column: usize,
    /// What is wrong, quoting the offending text.
    pub message: String,
}

fn error(row: usize, column: usize, message: impl Into<String>) -> CsvError {
    CsvError {
        row,
        column,
        message: message.into(),
    }
}

/// A CSV's text as a dataset: a header row, one or more feature columns and a last column
/// named `label`; every feature a finite number, every label a non-negative integer, and the
/// labels 0..K−1 all present (K = the largest label + 1, at least 2). Blank lines are
/// skipped; fields may be quoted and are trimmed. Rows keep the file's order.
pub fn parse_csv(text: &str) -> Result<Dataset, CsvError> {
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(Trim::All)
        .from_reader(text.as_bytes());
    let lines = Lines::new(text);
    let mut records = reader.records().filter(|record| !is_blank(record));
    let header = match records.next() {
        None => {
            return Err(error(
                1,
                1,
                "the file is empty: expected a header row ending in `label`",
            ));
        }
        Some(record) => record.map_err(from_csv)?,
    };
    let width = header.len();
    let label_column = width;
    let last = header.iter().next_back().unwrap_or_default();
    if last != "label" {
        return Err(error(
            lines.of(&header),
            width.max(1),
            format!("the last column is `{last}`: it must be `label`, after the feature columns"),
        ));
    }
    if width < 2 {
        return Err(error(
            lines.of(&header),
            1,
            "no feature column: the header needs at least one before `label`",
        ));
    }

    let mut features = Vec::new();
    let mut labels = Vec::new();
    // The first row carrying each label, to point at when a class is missing.
    let mut first_row_of: BTreeMap<usize, usize> = BTreeMap::new();
    for record in records {
        let record = record.map_err(from_csv)?;
        let row = lines.of(&record);
        if record.len() != width {
            let column = record.len().min(width) + 1;
            return Err(error(
                row,
                column,
                format!(
                    "{} fields, expected {width} as in the header ({} features and `label`)",
                    record.len(),
                    width - 1
                ),
            ));
        }
        for (index, field) in record.iter().take(width - 1).enumerate() {
            features.push(feature(field).map_err(|message| error(row, index + 1, message))?);
        }
        let label =
            parse_label(&record[width - 1]).map_err(|message| error(row, label_column, message))?;
        first_row_of.entry(label).or_insert(row);
        labels.push(label);
    }
    if labels.is_empty() {
        return Err(error(
            lines.of(&header) + 1,
            1,
            "no data rows after the header",
        ));
    }
    let classes = check_classes(&first_row_of, label_column)?;
    let features = Array2::from_shape_vec((labels.len(), width - 1), features)
        .map_err(|shape| error(1, 1, shape.to_string()))?;
    Ok(Dataset {
        features,
        labels,
        classes,
        image: None,
    })
}

/// A line with nothing on it (the reader gives it as one empty field, or skips it).
fn is_blank(record: &csv::Result<StringRecord>) -> bool {
    matches!(record, Ok(fields) if fields.len() == 1 && fields[0].is_empty())
}

/// The file's lines, to name the line a record is on. The csv crate's own line count does
/// not see the blank lines it skips, so it runs behind after one; the byte offset it gives
/// is counted here instead.
struct Lines<'a> {
    text: &'a str,
    /// The byte offset of every `\n`.
    newlines: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let newlines = text
            .bytes()
            .enumerate()
            .filter(|&(_, byte)| byte == b'\n')
            .map(|(at, _)| at)
            .collect();
        Lines { text, newlines }
    }

    /// The 1-based line a record's first field is on (past any line breaks before it).
    fn of(&self, record: &StringRecord) -> usize {
        let start = record
            .position()
            .map_or(0, |position| position.byte() as usize);
        let skipped = self.text.as_bytes().get(start..).map_or(0, |rest| {
            rest.iter()
                .take_while(|&&byte| byte == b'\n' || byte == b'\r')
                .count()
        });
        self.newlines
            .partition_point(|&newline| newline < start + skipped)
            + 1
    }
}

/// The csv crate's own errors, placed where it found them. From a `&str` with `flexible` set
/// it has none to give (no I/O, no invalid UTF-8, no field count rule), but it is not ours
/// to promise.
fn from_csv(failure: csv::Error) -> CsvError {
    let row = failure
        .position()
        .map_or(1, |position| position.line() as usize);
    error(row, 1, failure.to_string())
}

/// A feature: a finite number.
fn feature(field: &str) -> Result<f64, String> {
    if field.is_empty() {
        return Err("an empty field: expected a number".to_string());
    }
    match field.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        Ok(_) => Err(format!(
            "`{field}` is not a finite number: features must be finite"
        )),
        Err(_) => Err(format!("`{field}` is not a number")),
    }
}

/// A label: the digits of a non-negative integer.
fn parse_label(field: &str) -> Result<usize, String> {
    if !field.is_empty()
        && field.bytes().all(|byte| byte.is_ascii_digit())
        && let Ok(label) = field.parse::<usize>()
    {
        return Ok(label);
    }
    Err(format!(
        "the label `{field}` is not a non-negative integer: labels are classes 0..K−1"
    ))
}

/// K, when the labels are exactly 0..K−1 with K ≥ 2; else the first missing class, pointed at
/// the first row with the largest label.
fn check_classes(
    first_row_of: &BTreeMap<usize, usize>,
    label_column: usize,
) -> Result<usize, CsvError> {
    let (&largest, &largest_row) = first_row_of
        .last_key_value()
        .ok_or_else(|| error(1, label_column, "no labels"))?;
    let missing = (0..)
        .zip(first_row_of.keys())
        .find(|(class, label)| class != *label);
    if let Some((class, _)) = missing {
        return Err(error(
            largest_row,
            label_column,
            format!(
                "class {class} has no points; labels must be 0..K−1 (K = {} from the label {largest} here)",
                largest.saturating_add(1)
            ),
        ));
    }
    if largest == 0 {
        return Err(error(
            largest_row,
            label_column,
            "every label is 0: a classifier needs at least 2 classes, labelled 0..K−1",
        ));
    }
    Ok(largest + 1)
}

#[cfg(test)]
mod tests;
