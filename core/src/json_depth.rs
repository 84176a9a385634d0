//! Bounds how deeply a JSON request body nests, on the raw bytes, before `serde_json` builds a
//! value: a 16 KiB body of `[[[[…` would otherwise recurse up to serde_json's own limit (128)
//! for nothing. The scan is one pass with no allocation.

use crate::error::{ApiError, FieldError, Loc};

/// Deepest nesting of arrays and objects a request body may have. The API's deepest documented
/// body is a handful of levels; 32 leaves room and still refuses a crafted one.
pub const MAX_JSON_DEPTH: usize = 32;

/// `Err` with the byte offset of the first `[` or `{` that opens level `max + 1`. Brackets inside
/// strings (escapes included) do not count. The bytes need not be valid JSON: anything else
/// is for the parser to report.
pub fn depth_exceeded(body: &[u8], max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in body.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// A 422 in the API's validation shape when `body` nests deeper than `MAX_JSON_DEPTH`:
/// `{"detail": [{"loc": ["body", <offset>], "msg": "…", "type": "json_too_deep"}]}`.
pub fn check_depth(body: &[u8]) -> Result<(), ApiError> {
    match depth_exceeded(body, MAX_JSON_DEPTH) {
        None => Ok(()),
        Some(offset) => Err(ApiError::validation(vec![FieldError::new(
            vec!["body".into(), Loc::Index(offset)],
            "json_too_deep",
            format!("JSON nests deeper than {MAX_JSON_DEPTH} levels"),
        )])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        format!("{}{}", "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn counts_arrays_and_objects() {
        assert_eq!(depth_exceeded(b"{}", 1), None);
        assert_eq!(depth_exceeded(b"{\"a\":{}}", 1), Some(5));
        assert_eq!(depth_exceeded(b"[{\"a\":[1]}]", 3), None);
        assert_eq!(depth_exceeded(b"[{\"a\":[1]}]", 2), Some(6));
        // Siblings do not add up: depth goes back down.
        assert_eq!(depth_exceeded(b"[[1],[2],[3],{\"x\":[4]}]", 3), None);
        assert_eq!(depth_exceeded(b"[[1],[2],[3],{\"x\":[4]}]", 2), Some(18));
        assert_eq!(depth_exceeded(b"42", 0), None);
    }

    #[test]
    fn exactly_the_bound_passes_one_more_fails() {
        let ok = nested(MAX_JSON_DEPTH);
        assert!(check_depth(ok.as_bytes()).is_ok());
        let deep = nested(MAX_JSON_DEPTH + 1);
        let err = check_depth(deep.as_bytes()).unwrap_err();
        assert_eq!(err.status(), 422);
        let body = err.body();
        assert_eq!(body["detail"][0]["type"], "json_too_deep");
        assert_eq!(
            body["detail"][0]["loc"],
            serde_json::json!(["body", MAX_JSON_DEPTH])
        );
        assert!(body["detail"][0]["msg"].as_str().unwrap().contains("32"));
    }

    #[test]
    fn brackets_in_strings_do_not_count() {
        let s = format!("{{\"a\":\"{}\"}}", "[{".repeat(100));
        assert_eq!(depth_exceeded(s.as_bytes(), 1), None);
        // An escaped quote does not end the string; an escaped backslash does not escape it.
        assert_eq!(depth_exceeded(br#"{"a":"\"[[[["}"#, 1), None);
        assert_eq!(depth_exceeded(br#"{"a":"\\",[]}"#, 1), Some(10));
        assert_eq!(depth_exceeded(br#"["\\\"[", []]"#, 1), Some(10));
    }

    #[test]
    fn a_16_kib_bomb_is_refused_at_the_bound() {
        let bomb = "[".repeat(16 * 1024);
        assert_eq!(
            depth_exceeded(bomb.as_bytes(), MAX_JSON_DEPTH),
            Some(MAX_JSON_DEPTH)
        );
        // serde_json would refuse it too, but only after recursing 128 levels.
        assert!(serde_json::from_str::<serde_json::Value>(&nested(100)).is_ok());
        assert!(check_depth(nested(100).as_bytes()).is_err());
    }

    #[test]
    fn invalid_json_is_left_to_the_parser() {
        for body in [&b"{not json"[..], b"]]]]", b"\"unterminated [[[[", b""] {
            assert_eq!(
                depth_exceeded(body, 2),
                None,
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
