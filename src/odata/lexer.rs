//! Tokeniser for `$filter` expressions (OData ABNF subset used by Microsoft Graph,
//! <https://learn.microsoft.com/graph/filter-query-parameter>).
//!
//! Positions are 0-based character (not byte) offsets, so error messages point at what the
//! client typed. Unquoted GUIDs and ISO 8601 date-times are single literal tokens.

/// A token kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// Identifier or keyword: `[A-Za-z_$][A-Za-z0-9_.$]*` (keywords are matched later).
    Ident(String),
    /// Single-quoted string with `''` unescaped.
    Str(String),
    /// Unquoted GUID, lower-cased.
    Guid(String),
    /// Unquoted date-time, normalised to UTC `YYYY-MM-DDTHH:MM:SSZ`.
    DateTime(String),
    /// Integer literal.
    Number(i64),
    LParen,
    RParen,
    Comma,
    Slash,
    Colon,
    Eof,
}

/// A token and the character position where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: usize,
}

/// A lexing failure: position and a short reason.
pub(crate) type LexError = (usize, &'static str);

/// Splits `input` into tokens, ending with [`Tok::Eof`].
pub(crate) fn tokenize(input: &str) -> Result<Vec<Token>, LexError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let tok = match c {
            ' ' | '\t' | '\r' | '\n' => {
                i += 1;
                continue;
            }
            '(' => single(&mut i, Tok::LParen),
            ')' => single(&mut i, Tok::RParen),
            ',' => single(&mut i, Tok::Comma),
            '/' => single(&mut i, Tok::Slash),
            ':' => single(&mut i, Tok::Colon),
            '\'' => Tok::Str(string(&chars, &mut i)?),
            _ if guid_at(&chars, i) => {
                let g: String = chars[i..i + 36].iter().collect();
                i += 36;
                Tok::Guid(g.to_ascii_lowercase())
            }
            '0'..='9' if date_at(&chars, i) => Tok::DateTime(datetime(&chars, &mut i)?),
            '0'..='9' | '-' => Tok::Number(number(&chars, &mut i)?),
            c if c.is_ascii_alphabetic() || c == '_' || c == '$' => {
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                Tok::Ident(chars[start..i].iter().collect())
            }
            _ => return Err((i, "unexpected character")),
        };
        out.push(Token { tok, pos: start });
    }
    out.push(Token {
        tok: Tok::Eof,
        pos: chars.len(),
    });
    Ok(out)
}

fn single(i: &mut usize, tok: Tok) -> Tok {
    *i += 1;
    tok
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$'
}

/// `'…'` with `''` as an escaped quote. `i` points at the opening quote.
fn string(chars: &[char], i: &mut usize) -> Result<String, LexError> {
    let open = *i;
    let mut s = String::new();
    *i += 1;
    loop {
        match chars.get(*i) {
            None => return Err((open, "unterminated string literal")),
            Some('\'') if chars.get(*i + 1) == Some(&'\'') => {
                s.push('\'');
                *i += 2;
            }
            Some('\'') => {
                *i += 1;
                return Ok(s);
            }
            Some(&c) => {
                s.push(c);
                *i += 1;
            }
        }
    }
}

fn boundary(chars: &[char], i: usize) -> bool {
    chars
        .get(i)
        .is_none_or(|c| !is_ident_char(*c) && *c != '-' && *c != ':')
}

fn guid_at(chars: &[char], i: usize) -> bool {
    if chars.len() < i + 36 {
        return false;
    }
    let ok = chars[i..i + 36].iter().enumerate().all(|(k, c)| match k {
        8 | 13 | 18 | 23 => *c == '-',
        _ => c.is_ascii_hexdigit(),
    });
    ok && boundary(chars, i + 36)
}

fn digits(chars: &[char], i: usize, n: usize) -> Option<u32> {
    let s = chars.get(i..i + n)?;
    s.iter()
        .try_fold(0u32, |acc, c| Some(acc * 10 + c.to_digit(10)?))
}

/// `YYYY-MM-DD` starts at `i`.
fn date_at(chars: &[char], i: usize) -> bool {
    digits(chars, i, 4).is_some()
        && chars.get(i + 4) == Some(&'-')
        && digits(chars, i + 5, 2).is_some()
        && chars.get(i + 7) == Some(&'-')
        && digits(chars, i + 8, 2).is_some()
}

/// Parses `YYYY-MM-DD[THH:MM[:SS[.f+]](Z|±HH:MM)]` and normalises it to UTC seconds.
fn datetime(chars: &[char], i: &mut usize) -> Result<String, LexError> {
    const BAD: &str = "invalid date/time literal";
    let start = *i;
    let num = |at: usize, n: usize| digits(chars, at, n).ok_or((start, BAD));
    let (y, mo, d) = (num(start, 4)?, num(start + 5, 2)?, num(start + 8, 2)?);
    let mut j = start + 10;
    let (mut h, mut mi, mut s, mut offset_min) = (0, 0, 0, 0i64);
    if matches!(chars.get(j), Some('T' | 't')) {
        h = num(j + 1, 2)?;
        if chars.get(j + 3) != Some(&':') {
            return Err((start, BAD));
        }
        mi = num(j + 4, 2)?;
        j += 6;
        if chars.get(j) == Some(&':') {
            s = num(j + 1, 2)?;
            j += 3;
            if chars.get(j) == Some(&'.') {
                j += 1;
                let frac_start = j;
                while chars.get(j).is_some_and(char::is_ascii_digit) {
                    j += 1;
                }
                // Divergence: fractional seconds are truncated; tenantsim stores whole seconds.
                if j == frac_start {
                    return Err((start, BAD));
                }
            }
        }
        match chars.get(j) {
            Some('Z' | 'z') => j += 1,
            Some(sign @ ('+' | '-')) => {
                let (oh, om) = (num(j + 1, 2)?, num(j + 4, 2)?);
                if chars.get(j + 3) != Some(&':') || oh > 23 || om > 59 {
                    return Err((start, BAD));
                }
                let o = i64::from(oh * 60 + om);
                offset_min = if *sign == '+' { o } else { -o };
                j += 6;
            }
            _ => return Err((start, "date/time literal needs a time zone ('Z' or ±HH:MM)")),
        }
    }
    if !boundary(chars, j) {
        return Err((start, BAD));
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&mo)
        || d == 0
        || d > month_days[(mo - 1) as usize]
        || h > 23
        || mi > 59
        || s > 59
    {
        return Err((start, BAD));
    }
    let secs = days_from_civil(i64::from(y), i64::from(mo), i64::from(d)) * 86_400
        + i64::from(h * 3600 + mi * 60 + s)
        - offset_min * 60;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, mo, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return Err((start, BAD));
    }
    *i = j;
    Ok(format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

/// Days since 1970-01-01 (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn number(chars: &[char], i: &mut usize) -> Result<i64, LexError> {
    let start = *i;
    if chars[*i] == '-' {
        *i += 1;
    }
    let digits_start = *i;
    while chars.get(*i).is_some_and(char::is_ascii_digit) {
        *i += 1;
    }
    if *i == digits_start || !boundary(chars, *i) {
        return Err((start, "invalid number literal"));
    }
    let text: String = chars[start..*i].iter().collect();
    text.parse()
        .map_err(|_| (start, "number literal out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s)
            .expect("lexes")
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn lexes_operators_strings_and_punctuation() {
        assert_eq!(
            toks("startsWith(displayName,'O''Brien') and x/any(c:c eq -5)"),
            vec![
                Tok::Ident("startsWith".into()),
                Tok::LParen,
                Tok::Ident("displayName".into()),
                Tok::Comma,
                Tok::Str("O'Brien".into()),
                Tok::RParen,
                Tok::Ident("and".into()),
                Tok::Ident("x".into()),
                Tok::Slash,
                Tok::Ident("any".into()),
                Tok::LParen,
                Tok::Ident("c".into()),
                Tok::Colon,
                Tok::Ident("c".into()),
                Tok::Ident("eq".into()),
                Tok::Number(-5),
                Tok::RParen,
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn lexes_guids_and_datetimes() {
        assert_eq!(
            toks("id eq 6E7B768E-07E2-4810-8459-485F84F8F204"),
            vec![
                Tok::Ident("id".into()),
                Tok::Ident("eq".into()),
                Tok::Guid("6e7b768e-07e2-4810-8459-485f84f8f204".into()),
                Tok::Eof
            ]
        );
        let cases = [
            ("2021-01-01T00:00:00Z", "2021-01-01T00:00:00Z"),
            ("2021-01-01T10:30Z", "2021-01-01T10:30:00Z"),
            ("2021-01-01T00:00:00.1234567Z", "2021-01-01T00:00:00Z"),
            ("2021-01-01T01:00:00+02:00", "2020-12-31T23:00:00Z"),
            ("2020-02-28T23:30:00-01:00", "2020-02-29T00:30:00Z"),
            ("2021-03-04", "2021-03-04T00:00:00Z"),
        ];
        for (input, want) in cases {
            assert_eq!(
                toks(input),
                vec![Tok::DateTime(want.into()), Tok::Eof],
                "{input}"
            );
        }
    }

    #[test]
    fn reports_positions_of_lexing_errors() {
        let cases = [
            ("name eq 'abc", 8, "unterminated string literal"),
            ("a eq #", 5, "unexpected character"),
            ("a eq 2021-13-01T00:00:00Z", 5, "invalid date/time literal"),
            ("a eq 2021-02-29T00:00:00Z", 5, "invalid date/time literal"),
            (
                "a eq 2021-01-01T00:00:00",
                5,
                "date/time literal needs a time zone ('Z' or ±HH:MM)",
            ),
            ("a eq 12abc", 5, "invalid number literal"),
            (
                "a eq 99999999999999999999",
                5,
                "number literal out of range",
            ),
            ("a eq -", 5, "invalid number literal"),
            ("é", 0, "unexpected character"),
        ];
        for (input, pos, msg) in cases {
            assert_eq!(tokenize(input), Err((pos, msg)), "{input}");
        }
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let t = tokenize("'é' eq").expect("lexes");
        assert_eq!(t[1].pos, 4);
        assert_eq!(
            t[2],
            Token {
                tok: Tok::Eof,
                pos: 6
            }
        );
    }
}
