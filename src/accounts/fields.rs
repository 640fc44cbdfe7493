//! What people type into account forms, parsed once at the boundary: emails, passwords, the
//! names of people and of classes. Each refusal is the Korean sentence shown beside the field.

use std::fmt;

/// An email address, trimmed and lowercased (so `Kim@School.kr` and `kim@school.kr` are one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, &'static str> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("이메일을 입력해 주세요.");
        }
        let well_formed = email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && email.split_once('@').is_some_and(|(user, domain)| {
                !user.is_empty() && !domain.is_empty() && !domain.contains('@')
            });
        if well_formed {
            Ok(Email(email))
        } else {
            Err("이메일 주소 형식이 올바르지 않습니다.")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: long enough to resist guessing, short enough to hash quickly.
pub struct Password(String);

/// Never print a password, not even in a debug log.
impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

pub const MIN_PASSWORD_CHARS: usize = 8;

impl Password {
    pub fn parse(raw: &str) -> Result<Password, &'static str> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            Err("비밀번호는 8자 이상이어야 합니다.")
        } else if chars > 200 {
            Err("비밀번호는 200자 이하로 정해 주세요.")
        } else {
            Ok(Password(raw.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Trims, joins runs of spaces into one and checks the length in characters.
fn clean_text(raw: &str, max_chars: usize) -> Option<String> {
    let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars = text.chars().count();
    let fine = chars > 0 && chars <= max_chars && !text.chars().any(char::is_control);
    fine.then_some(text)
}

/// The name a person is shown under: an instructor's, or a learner's in a class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<PersonName, &'static str> {
        if raw.trim().is_empty() {
            return Err("이름을 입력해 주세요.");
        }
        clean_text(raw, 30).map(PersonName).ok_or("이름은 30자 이하로 적어 주세요.")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name of a class, e.g. `2학년 3반 운영체제`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassName(String);

impl ClassName {
    pub fn parse(raw: &str) -> Result<ClassName, &'static str> {
        if raw.trim().is_empty() {
            return Err("반 이름을 입력해 주세요.");
        }
        clean_text(raw, 60).map(ClassName).ok_or("반 이름은 60자 이하로 적어 주세요.")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_trimmed_and_lowercased_and_needs_an_at_sign() {
        assert_eq!(Email::parse("  Kim@School.KR ").map(|e| e.0), Ok("kim@school.kr".to_owned()));
        assert!(Email::parse("kim.school.kr").is_err());
        assert!(Email::parse("kim@").is_err());
        assert!(Email::parse("k im@school.kr").is_err());
        assert_eq!(Email::parse(" ").err(), Some("이메일을 입력해 주세요."));
    }

    #[test]
    fn a_password_needs_eight_characters_counted_as_people_count_them() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("비밀번호여덟글자").is_ok(), "eight Hangul syllables are enough");
        assert!(
            !format!("{:?}", Password::parse("secret-password").expect("ok")).contains("secret")
        );
    }

    #[test]
    fn names_are_trimmed_and_their_inner_spaces_collapsed() {
        assert_eq!(PersonName::parse("  김   민준 ").map(|n| n.0), Ok("김 민준".to_owned()));
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"가".repeat(31)).is_err());
        assert!(PersonName::parse("a\u{7}b").is_err());
        assert!(ClassName::parse(&"반".repeat(60)).is_ok());
    }
}
