//! Random secrets and how they are kept: cookie tokens and codes people read aloud or type,
//! stored only as their SHA-256 (they are random enough that a slow hash adds nothing).

use sha2::{Digest, Sha256};

/// Letters and digits that cannot be mistaken for one another when read aloud or typed:
/// no 0/O, no 1/I/L.
pub const READABLE: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

fn fill(bytes: &mut [u8]) {
    // The OS random source failing is not something a server can work around.
    getrandom::fill(bytes).expect("the OS random source works");
}

/// 32 random bytes as 64 lowercase hex characters.
pub fn hex_token() -> String {
    let mut bytes = [0u8; 32];
    fill(&mut bytes);
    hex::encode(bytes)
}

pub fn is_hex_token(raw: &str) -> bool {
    raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// `len` characters drawn uniformly from [`READABLE`].
pub fn readable_code(len: usize) -> String {
    let alphabet = READABLE.len();
    // Bytes at or above the largest multiple of the alphabet's size would favour its start.
    let limit = 256 - 256 % alphabet;
    let mut code = String::with_capacity(len);
    let mut bytes = [0u8; 64];
    while code.len() < len {
        fill(&mut bytes);
        for &b in bytes.iter().filter(|&&b| usize::from(b) < limit) {
            if code.len() == len {
                break;
            }
            code.push(char::from(READABLE[usize::from(b) % alphabet]));
        }
    }
    code
}

/// What a person typed, made comparable: upper case, without spaces or dashes. `None` if any
/// other character is not in [`READABLE`] or the length is not `len`.
pub fn parse_readable(raw: &str, len: usize) -> Option<String> {
    let code: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid = code.len() == len && code.bytes().all(|b| READABLE.contains(&b));
    valid.then_some(code)
}

pub fn sha256(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_codes_avoid_look_alike_characters() {
        for _ in 0..200 {
            let code = readable_code(12);
            assert_eq!(code.len(), 12);
            assert!(!code.contains(['0', 'O', '1', 'I', 'L', 'l']), "{code}");
        }
    }

    #[test]
    fn a_typed_code_may_be_lower_case_and_grouped_with_spaces_or_dashes() {
        assert_eq!(parse_readable(" abc-d ef ", 6).as_deref(), Some("ABCDEF"));
        assert_eq!(parse_readable("ABCDE0", 6), None, "0 is never in a code");
        assert_eq!(parse_readable("ABCDE", 6), None);
        assert_eq!(parse_readable("ABCDEFG", 6), None);
    }

    #[test]
    fn hex_tokens_are_64_lowercase_hex_characters() {
        let token = hex_token();
        assert!(is_hex_token(&token));
        assert!(!is_hex_token(&token.to_uppercase()));
        assert!(!is_hex_token("abc"));
    }
}
