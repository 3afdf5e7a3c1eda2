//! Reading user input: comma lists, `@FILE` lists, and `--now`.

use time::OffsetDateTime;
use xengage_core::TimeInput;

use crate::error::CliError;

/// Splits a comma-separated list, or reads `@FILE` (one item a line; `#` starts a comment, on
/// a line of its own or after the item; blank lines are skipped).
pub(crate) fn list(value: &str) -> Result<Vec<String>, CliError> {
    if let Some(path) = value.strip_prefix('@') {
        let text = std::fs::read_to_string(path).map_err(|source| CliError::ReadFile {
            path: path.to_owned(),
            source,
        })?;
        return Ok(text
            .lines()
            .map(|l| l.split_once('#').map_or(l, |(item, _)| item).trim())
            .filter(|l| !l.is_empty())
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

#[cfg(test)]
mod tests {
    use super::list;

    #[test]
    fn a_file_list_skips_blank_lines_and_comments_wherever_they_start() {
        let path = std::env::temp_dir().join(format!("xengage-ids-{}.txt", std::process::id()));
        std::fs::write(
            &path,
            "# launch week\r\n1855000000000000001  # the launch post\r\n\n  1855000000000000002\n#\n",
        )
        .unwrap();
        let ids = list(&format!("@{}", path.display())).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(ids, ["1855000000000000001", "1855000000000000002"]);
        assert_eq!(list(" a, b,,c ").unwrap(), ["a", "b", "c"]);
    }
}
