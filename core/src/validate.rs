//! Validators every capability shares: text, dates, names. Each names the
//! field it refuses and says why, never what was given.

use crate::error::PphError;
use crate::time::parse_date;
use chrono::NaiveDate;

/// A name, a title, a label.
pub(crate) const MAX_SHORT_TEXT: usize = 200;
/// A note, a description.
pub(crate) const MAX_LONG_TEXT: usize = 4000;

/// Required text: not blank, at most `max` characters.
pub(crate) fn required_text(field: &str, text: &str, max: usize) -> Result<(), PphError> {
    if text.trim().is_empty() {
        return Err(PphError::validation(field, "must not be empty"));
    }
    optional_text(field, Some(text), max)
}

/// Text of at most `max` characters, without control characters other than
/// line breaks and tabs (a NUL among them).
pub(crate) fn optional_text(field: &str, text: Option<&str>, max: usize) -> Result<(), PphError> {
    let Some(t) = text else {
        return Ok(());
    };
    if t.chars().count() > max {
        return Err(PphError::validation(
            field,
            format!("longer than {max} characters"),
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(PphError::validation(
            field,
            "must not hold control characters",
        ));
    }
    Ok(())
}

/// An optional `YYYY-MM-DD` date, parsed.
pub(crate) fn optional_date(
    field: &str,
    date: Option<&str>,
) -> Result<Option<NaiveDate>, PphError> {
    date.map(|d| parse_date(field, d)).transpose()
}

/// Two `YYYY-MM-DD` dates, the second not before the first.
pub(crate) fn date_range(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), PphError> {
    let (f, t) = (parse_date("from", from)?, parse_date("to", to)?);
    if t < f {
        return Err(PphError::validation("to", "is before from"));
    }
    Ok((f, t))
}

/// A list of names, each required and short.
pub(crate) fn names(field: &str, names: &[String]) -> Result<(), PphError> {
    names
        .iter()
        .try_for_each(|n| required_text(field, n, MAX_SHORT_TEXT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_refused_by_field_for_blanks_length_and_control_characters() {
        assert!(required_text("title", "  ", 10).is_err());
        assert!(required_text("title", "Breathe", 10).is_ok());
        assert_eq!(
            optional_text("note", Some("x\u{0}y"), 10),
            Err(PphError::validation(
                "note",
                "must not hold control characters"
            ))
        );
        assert!(optional_text("note", Some("two\nlines\tok"), 20).is_ok());
        assert!(optional_text("note", Some("elevenchars"), 10).is_err());
        assert!(names("participants", &["Ann".into(), "".into()]).is_err());
    }
}
