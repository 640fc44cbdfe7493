//! What went wrong in a failed run, read from its traceback: the Python error, the line of the
//! learner's program it came from, and a short Korean hint for the errors learners meet most.

/// The program's path inside the sandbox, as tracebacks name it.
const PROGRAM: &str = "\"/sandbox/main.py\", line ";

/// A failed run's error, as the panel leads with it.
#[derive(Debug, Clone, PartialEq)]
pub struct PythonError {
    /// The traceback's last line: `ZeroDivisionError: division by zero`.
    pub message: String,
    /// The line of `main.py` the error came from (the innermost frame in it).
    pub line: Option<u32>,
    pub hint: Option<&'static str>,
}

/// Reads the last Python error in `stderr`, if the program died of one.
pub fn read(stderr: &str) -> Option<PythonError> {
    let message = stderr.lines().rev().map(str::trim).find(|line| is_error_line(line))?;
    let line = stderr
        .lines()
        .filter_map(|l| l.split_once(PROGRAM).map(|(_, rest)| rest))
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .next_back();
    let name = message.split(':').next().unwrap_or_default();
    Some(PythonError { message: message.to_owned(), line, hint: hint(name) })
}

/// `NameError: …`, `KeyboardInterrupt`, `numpy.core._exceptions.UFuncTypeError: …`.
fn is_error_line(line: &str) -> bool {
    let name = line.split(':').next().unwrap_or_default();
    let last = name.rsplit('.').next().unwrap_or_default();
    !name.contains(' ')
        && (last.ends_with("Error") || last.ends_with("Exception") || last == "KeyboardInterrupt")
        && last.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

fn hint(name: &str) -> Option<&'static str> {
    Some(match name.rsplit('.').next()? {
        "SyntaxError" => {
            "문법이 맞지 않습니다. 괄호와 따옴표가 짝이 맞는지, 줄 끝의 콜론(:)이 빠지지 않았는지 보세요."
        }
        "IndentationError" | "TabError" => {
            "들여쓰기가 맞지 않습니다. 같은 블록의 줄은 같은 칸만큼 들여 써야 하고, 탭과 공백을 섞으면 안 됩니다."
        }
        "NameError" => {
            "정의되지 않은 이름을 썼습니다. 철자와 대소문자, 그리고 그 이름을 쓰기 전에 만들었는지 보세요."
        }
        "AttributeError" => {
            "그 객체에는 그런 속성이나 메서드가 없습니다. 이름의 철자와 객체의 종류를 확인하세요."
        }
        "TypeError" => "값의 종류가 맞지 않습니다. 함수에 넘긴 인자의 개수와 종류를 확인하세요.",
        "ValueError" => {
            "종류는 맞지만 받아들일 수 없는 값입니다. 넘긴 값의 범위나 형식을 확인하세요."
        }
        "ZeroDivisionError" => "0으로 나누었습니다. 나누는 수가 0이 될 수 있는지 보세요.",
        "IndexError" => "리스트의 범위를 벗어난 위치를 읽었습니다. 길이와 인덱스를 확인하세요.",
        "KeyError" => "딕셔너리에 없는 키를 읽었습니다. `in`으로 먼저 확인하거나 `get()`을 쓰세요.",
        "ModuleNotFoundError" | "ImportError" => {
            "불러올 수 없는 모듈입니다. 샌드박스에는 표준 라이브러리와 이 서버에 설치된 모듈만 있고, 인터넷에서 설치할 수 없습니다."
        }
        "RecursionError" => {
            "함수가 자기 자신을 너무 깊이 불렀습니다. 재귀가 끝나는 조건을 확인하세요."
        }
        "MemoryError" => "메모리를 다 썼습니다. 한 번에 만드는 데이터의 크기를 줄여 보세요.",
        "PermissionError" => {
            "샌드박스가 막는 일입니다. 실험 프로그램은 /tmp에만 쓸 수 있고 네트워크에 연결할 수 없습니다."
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACEBACK: &str = "Traceback (most recent call last):\n  File \"<string>\", line 4, in <module>\n  File \"/sandbox/main.py\", line 12, in <module>\n    main()\n  File \"/sandbox/main.py\", line 7, in main\n    print(1 / 0)\n          ~~^~~\nZeroDivisionError: division by zero\n";

    #[test]
    fn the_error_its_innermost_line_in_the_program_and_a_hint_are_read() {
        let error = read(TRACEBACK).expect("an error");
        assert_eq!(error.message, "ZeroDivisionError: division by zero");
        assert_eq!(error.line, Some(7), "the innermost frame in main.py");
        assert!(error.hint.is_some_and(|h| h.contains("0으로")));
    }

    #[test]
    fn a_syntax_error_an_unknown_error_and_no_error_at_all() {
        let syntax = "  File \"/sandbox/main.py\", line 3\n    def f(\n         ^\nSyntaxError: '(' was never closed\n";
        let error = read(syntax).expect("an error");
        assert_eq!((error.line, error.hint.is_some()), (Some(3), true));
        let custom = read("mylib.BadThing: nope\nOopsError: custom\n").expect("an error");
        assert_eq!((custom.message.as_str(), custom.hint), ("OopsError: custom", None));
        assert_eq!(read("just some output\nwarning: careful\n"), None);
        assert_eq!(read(""), None);
    }
}
