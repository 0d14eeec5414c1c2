//! Paging, the same everywhere: at most `MAX_PAGE` items a page, and one
//! cursor format, the place of the last item seen (its time and id), given
//! back to fetch the next page. Shells treat cursors as opaque strings.

use crate::error::PphError;

/// Most items one page holds.
pub(crate) const MAX_PAGE: u32 = 200;

/// Refuses a page size out of 1..=MAX_PAGE.
pub(crate) fn check_limit(limit: u32) -> Result<(), PphError> {
    if limit == 0 || limit > MAX_PAGE {
        return Err(PphError::validation(
            "limit",
            format!("must be 1 to {MAX_PAGE}"),
        ));
    }
    Ok(())
}

/// Where a page ended: the last item's time (ms) and id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub at_ms: i64,
    pub id: String,
}

impl Cursor {
    pub(crate) fn encode(&self) -> String {
        format!("{}/{}", self.at_ms, self.id)
    }

    /// A cursor as given back by a shell, or None for the first page.
    pub(crate) fn parse(text: Option<&str>) -> Result<Option<Cursor>, PphError> {
        text.map(|t| {
            t.split_once('/')
                .and_then(|(ms, id)| {
                    Some(Cursor {
                        at_ms: ms.parse().ok()?,
                        id: id.to_owned(),
                    })
                })
                .ok_or_else(|| PphError::validation("cursor", "not a cursor from a previous page"))
        })
        .transpose()
    }

    /// (time, id), or the start: before everything.
    pub(crate) fn bound(cursor: Option<&Cursor>) -> (i64, &str) {
        cursor.map_or((i64::MAX, ""), |c| (c.at_ms, c.id.as_str()))
    }
}

/// The cursor for the page after `items`, if the page was full.
pub(crate) fn next<T>(items: &[T], limit: u32, place: impl Fn(&T) -> Cursor) -> Option<String> {
    (items.len() == limit as usize)
        .then(|| items.last().map(|last| place(last).encode()))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_named() {
        let c = Cursor {
            at_ms: 1_772_442_000_000,
            id: "0190a5c2-0000-7000-8000-00000000000a".into(),
        };
        assert_eq!(Cursor::parse(Some(&c.encode())), Ok(Some(c)));
        assert_eq!(Cursor::parse(None), Ok(None));
        assert!(Cursor::parse(Some("yesterday")).is_err());
        assert!(check_limit(0).is_err() && check_limit(MAX_PAGE + 1).is_err());
        assert_eq!(
            next(&[1, 2], 2, |i| Cursor {
                at_ms: *i,
                id: "x".into()
            }),
            Some("2/x".into())
        );
        assert_eq!(
            next(&[1], 2, |i| Cursor {
                at_ms: *i,
                id: "x".into()
            }),
            None
        );
    }
}
