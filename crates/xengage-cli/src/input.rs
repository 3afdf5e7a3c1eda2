//! Reading user input: comma lists, `@FILE` lists, and `--now`.

use time::OffsetDateTime;
use xengage_core::TimeInput;

use crate::error::CliError;

/// Splits a comma-separated list, or reads `@FILE` (one item a line; blank lines and lines
/// starting with `#` are skipped).
pub(crate) fn list(value: &str) -> Result<Vec<String>, CliError> {
    if let Some(path) = value.strip_prefix('@') {
        let text = std::fs::read_to_string(path).map_err(|source| CliError::ReadFile {
            path: path.to_owned(),
            source,
        })?;
        return Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect());
    }
    Ok(value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}

/// `--now`: a fixed clock for reproducible output, or the system clock.
pub(crate) fn now(fixed: Option<&str>) -> Result<OffsetDateTime, CliError> {
    match fixed {
        None => Ok(OffsetDateTime::now_utc()),
        Some(s) => TimeInput::parse(s)
            .map(TimeInput::to_utc)
            .map_err(|e| CliError::Usage(format!("--now: {e}"))),
    }
}
