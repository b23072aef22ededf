//! The command-line values clap hands over as text: numbers, points and learning rates.

use super::AppError;
use crate::config::LrRequest;

fn parse_number(text: &str, what: &str) -> Result<f64, AppError> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(AppError::Usage(format!(
            "{what}: expected a finite number, found `{text}`"
        ))),
    }
}

/// `--start X,Y`.
pub(super) fn parse_point(text: &str) -> Result<[f64; 2], AppError> {
    let parts: Vec<&str> = text.split(',').collect();
    let [x, y] = parts[..] else {
        return Err(AppError::Usage(format!(
            "--start: expected X,Y (two numbers and a comma, e.g. --start=-1.5,2), found `{text}`"
        )));
    };
    Ok([parse_number(x, "--start")?, parse_number(y, "--start")?])
}

/// `--lr VALUE` or `--lr KIND=VALUE,...`.
pub(super) fn parse_lr(text: &str) -> Result<LrRequest, AppError> {
    if !text.contains('=') {
        return Ok(LrRequest::All(parse_number(text, "--lr")?));
    }
    let mut per_kind = Vec::new();
    for part in text.split(',') {
        let Some((kind, value)) = part.split_once('=') else {
            return Err(AppError::Usage(format!(
                "--lr: expected KIND=VALUE pairs (sgd=0.01,adam=0.1), found `{part}`"
            )));
        };
        per_kind.push((kind.trim().to_string(), parse_number(value, "--lr")?));
    }
    Ok(LrRequest::PerKind(per_kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lr_flag_takes_one_value_or_pairs() {
        assert!(matches!(parse_lr("0.1"), Ok(LrRequest::All(v)) if v == 0.1));
        let Ok(LrRequest::PerKind(pairs)) = parse_lr("sgd=0.01,adam=1e-1") else {
            panic!("pairs not parsed");
        };
        assert_eq!(
            pairs,
            [("sgd".to_string(), 0.01), ("adam".to_string(), 0.1)]
        );
        assert!(parse_lr("sgd=fast").is_err());
        assert!(parse_lr("nan").is_err());
    }

    #[test]
    fn start_flag_takes_two_numbers() {
        assert_eq!(parse_point("-1.5,2").unwrap(), [-1.5, 2.0]);
        assert!(parse_point("1").is_err());
        assert!(parse_point("1,2,3").is_err());
        assert!(parse_point("1,inf").is_err());
    }
}
