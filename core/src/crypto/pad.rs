//! How long a sealed value's plaintext is made before it is sealed, so that
//! its length says at most a bucket (docs/adr/0022-padding.md).
//!
//! A value is padded to the larger of its kind's floor and its Padmé
//! bucket (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files
//! and Communication with PURBs", 2019): a length of E+1 bits is rounded
//! up to keep only its top ⌊log₂ E⌋+1 bits, at most 12% more, and a bucket
//! says O(log log L) bits. The floors are set so that every record of a
//! kind whose size says something clinical is one length: a questionnaire
//! result (its band's label, its safety flags, how many answers were
//! raised) and a diary entry (its ratings and a short note).
//!
//! The padding is the ISO/IEC 7816-4 method: the plaintext, one 0x80 byte,
//! then zeros. JSON as `serde_json` writes it always ends in an ASCII
//! character other than NUL, so a value sealed before padding (its last
//! byte ASCII) is told apart without a version field.

use pph_protocol::kinds::{DIARY_ENTRY, QUESTIONNAIRE_RESULT};
use zeroize::Zeroizing;

/// The smallest padded plaintext of any kind: a short chat message, a
/// field edit and a symptom's name are one length.
const FLOOR: usize = 256;

/// Kinds whose size says something clinical, each with a floor every
/// record of the kind fits under (`built_in_results_fit_their_floor`).
const CLINICAL_FLOORS: [(&str, usize); 2] = [(QUESTIONNAIRE_RESULT, 1024), (DIARY_ENTRY, 1024)];

const MARK: u8 = 0x80;

/// The floor for `kind`'s values.
pub fn floor(kind: &str) -> usize {
    CLINICAL_FLOORS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(FLOOR, |(_, f)| *f)
}

/// Padmé: `len` rounded up to keep only its top ⌊log₂ ⌊log₂ len⌋⌋+1 bits.
fn padme(len: usize) -> usize {
    if len < 2 {
        return len;
    }
    let e = usize::BITS - 1 - len.leading_zeros();
    let s = u32::BITS - e.leading_zeros();
    let mask = (1usize << (e - s)) - 1;
    (len + mask) & !mask
}

/// The length a `kind`'s plaintext of `len` bytes is sealed at (the mark
/// byte included).
pub fn padded_len(kind: &str, len: usize) -> usize {
    floor(kind).max(padme(len + 1))
}

/// `plaintext`, its mark and the zeros that bring it to its padded length.
pub fn pad(kind: &str, plaintext: &[u8]) -> Zeroizing<Vec<u8>> {
    let len = padded_len(kind, plaintext.len());
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    out.extend_from_slice(plaintext);
    out.push(MARK);
    out.resize(len, 0);
    out
}

/// The plaintext inside `padded`: before the mark, or all of it for a
/// value sealed before padding (its last byte not NUL and not the mark);
/// `None` for zeros with no mark before them.
pub fn unpad(padded: &[u8]) -> Option<&[u8]> {
    match padded.last() {
        Some(&last) if last != 0 && last != MARK => Some(padded),
        _ => {
            let end = padded.iter().rposition(|&b| b != 0)?;
            (padded[end] == MARK).then(|| &padded[..end])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diary::model::{Answer, QuestionnaireDefinition, QuestionnaireResult, SafetyFlag};
    use pph_protocol::kinds::GROUP_MESSAGE;

    #[test]
    fn padme_keeps_the_top_bits_and_adds_at_most_an_eighth() {
        // The paper's figures: 9 bits of length keep 4 (E=8, S=4).
        assert_eq!(padme(257), 272);
        assert_eq!(padme(272), 272);
        assert_eq!(padme(1166), 1216);
        assert_eq!(padme(635), 640);
        for len in 2..100_000usize {
            let p = padme(len);
            assert!(p >= len && (p - len) * 8 <= len, "{len} -> {p}");
        }
    }

    #[test]
    fn every_length_under_a_floor_is_one_length() {
        let lengths: Vec<usize> = [0, 1, 40, 200, 255]
            .into_iter()
            .map(|n| padded_len(GROUP_MESSAGE, n))
            .collect();
        assert_eq!(lengths, vec![256; 5]);
        assert_eq!(padded_len(DIARY_ENTRY, 1), 1024);
        assert_eq!(padded_len(DIARY_ENTRY, 1023), 1024);
        assert_eq!(padded_len(DIARY_ENTRY, 1024), 1088);
    }

    #[test]
    fn a_padded_value_unpads_to_itself_and_a_bad_pad_is_refused() {
        for text in ["", "\"a\"", "{\"note\":\"slept badly\"}"] {
            let padded = pad(QUESTIONNAIRE_RESULT, text.as_bytes());
            assert_eq!(padded.len(), 1024);
            assert_eq!(unpad(&padded), Some(text.as_bytes()));
        }
        // A value sealed before padding opens as it was.
        assert_eq!(unpad(b"{\"a\":1}"), Some(&b"{\"a\":1}"[..]));
        // Zeros with no mark, or nothing at all, are no value.
        assert_eq!(unpad(&[0, 0, 0]), None);
        assert_eq!(unpad(b"{}\x01\0\0"), None);
        assert_eq!(unpad(&[]), None);
    }

    /// The largest result each built-in instrument can give (every answer
    /// at its highest value, the longest band label, every safety flag, a
    /// zone far from UTC) fits under the questionnaire floor, so every
    /// result of these instruments is sealed at one length.
    #[test]
    fn built_in_results_fit_their_floor() {
        let defs: &[QuestionnaireDefinition] =
            crate::diary::questionnaire::built_in().expect("built in");
        assert!(defs.len() >= 3);
        for def in defs {
            let top = def.options.iter().map(|o| o.value).max().unwrap_or(0);
            let result = QuestionnaireResult {
                id: uuid::Uuid::now_v7().to_string(),
                code: def.code.clone(),
                recorded_at: std::time::SystemTime::now(),
                utc_offset_minutes: -720,
                local_date: "2026-12-31".into(),
                answers: def
                    .items
                    .iter()
                    .map(|i| Answer {
                        link_id: i.link_id.clone(),
                        value: i
                            .options
                            .as_ref()
                            .and_then(|o| o.iter().map(|o| o.value).max())
                            .unwrap_or(top)
                            .max(-1000),
                    })
                    .collect(),
                score: -1_000_000,
                band: def
                    .bands
                    .iter()
                    .map(|b| b.label.clone())
                    .max_by_key(String::len)
                    .unwrap_or_default(),
                flags: def
                    .safety
                    .iter()
                    .map(|r| SafetyFlag {
                        flag: r.flag.clone(),
                        message: r.message.clone(),
                    })
                    .collect(),
            };
            let len = serde_json::to_vec(&result).expect("json").len();
            assert_eq!(
                padded_len(QUESTIONNAIRE_RESULT, len),
                floor(QUESTIONNAIRE_RESULT),
                "{}: {len} bytes",
                def.code
            );
        }
    }
}
