//! The code a relay mails to prove a sign-up's email (docs/adr/0025):
//! eight characters of Crockford's base32 (40 bits), shown as `ABCD-EFGH`.
//! A person may type it in either case, with spaces or a dash, and with the
//! letters Crockford reads as digits (O for 0, I and L for 1).

/// The characters of a code, each worth five bits.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// How many characters a code has.
pub const LENGTH: usize = 8;

/// The code made of these eight five-bit values (the relay's random draw);
/// values above 31 wrap.
pub fn from_values(values: [u8; LENGTH]) -> String {
    values
        .iter()
        .map(|v| char::from(ALPHABET[usize::from(v % 32)]))
        .collect()
}

/// The code as typed, the way the relay compares it, or None for what
/// cannot be a code (wrong length, a character outside the alphabet).
pub fn normalised(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    let fits = code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b));
    fits.then_some(code)
}

/// The first code shown in `text` (a mail as its reader sees it).
pub fn found_in(text: &str) -> Option<String> {
    text.split_whitespace()
        .filter(|word| word.len() == LENGTH + 1 && word.as_bytes().get(LENGTH / 2) == Some(&b'-'))
        .find_map(normalised)
}

/// How a mail shows the code: two groups of four.
pub fn shown(code: &str) -> String {
    let (first, second) = code.split_at(code.len().min(LENGTH / 2));
    format!("{first}-{second}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_however_it_was_typed() {
        let code = from_values([0, 1, 10, 31, 32, 17, 22, 27]);
        assert_eq!(code, "01AZ0HPV");
        assert_eq!(shown(&code), "01AZ-0HPV");
        assert_eq!(
            found_in("Your code:\n\n    01AZ-0HPV\n\nType it").as_deref(),
            Some("01AZ0HPV")
        );
        assert_eq!(found_in("works for 30 minutes, 01AZ0HPV-"), None);
        for typed in ["01AZ-0HPV", "01az 0hpv", " oLaz-Ohpv ", "01AZ0HPV"] {
            assert_eq!(normalised(typed).as_deref(), Some("01AZ0HPV"), "{typed}");
        }
    }

    #[test]
    fn what_cannot_be_a_code_is_none() {
        for typed in [
            "",
            "01AZ-0HP",
            "01AZ-0HPVV",
            "01AZ-0HPU",
            "01AZ\u{0}0HPV",
            "01AZ_0HPV",
        ] {
            assert_eq!(normalised(typed), None, "{typed:?}");
        }
    }
}
