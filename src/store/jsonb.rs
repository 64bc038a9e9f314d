//! Rows for a bulk insert encoded as SQLite's JSONB (<https://sqlite.org/jsonb.html>, stable
//! since 3.45), so `jsonb_each(?)` walks the bound value instead of parsing it.
//!
//! A bulk insert binds a chunk of rows as one array of row arrays ([`super::insert_json_rows`]).
//! Bound as JSON text, every row's values were escaped by serde_json and then parsed back by
//! SQLite (`jsonTranslateTextToBlob`): a built-in service principal's 62 KB of JSON twice per
//! tenant load, and 9 % of a default-fixture reset's samples between the two. JSONB needs
//! neither: each element is a header (its type and its payload's size) and the payload, and a
//! string goes in as `TEXTRAW`, its UTF-8 bytes unescaped, which `->>` returns as they are.
//!
//! Written by hand: no crate emits SQLite's JSONB. Only what rows hold is supported — strings,
//! integers, booleans, null and arrays (rows are tuples); a float or an object is refused
//! rather than guessed at.

use serde::ser::{self, Serialize};

// Element types (the low four bits of an element's first byte).
const NULL: u8 = 0;
const TRUE: u8 = 1;
const FALSE: u8 = 2;
const INT: u8 = 3;
const TEXTRAW: u8 = 10;
const ARRAY: u8 = 11;

/// The largest header: the type byte and an eight-byte size.
const MAX_HEADER: usize = 9;

/// Why a value has no JSONB form here.
#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot encode as JSONB: {}", self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }
}

/// `value` as one JSONB element.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut encoder = Encoder { out: Vec::new() };
    value.serialize(&mut encoder)?;
    Ok(encoder.out)
}

struct Encoder {
    out: Vec<u8>,
}

impl Encoder {
    /// The shortest header for `size` payload bytes: sizes up to 11 fit in the first byte's
    /// high bits; 12, 13, 14 and 15 there say one, two, four or eight big-endian size bytes
    /// follow.
    fn header(kind: u8, size: usize) -> ([u8; MAX_HEADER], usize) {
        let mut header = [0u8; MAX_HEADER];
        let size = size as u64;
        let length = if size <= 11 {
            header[0] = (size as u8) << 4 | kind;
            1
        } else if size <= 0xff {
            header[0] = 12 << 4 | kind;
            header[1] = size as u8;
            2
        } else if size <= 0xffff {
            header[0] = 13 << 4 | kind;
            header[1..3].copy_from_slice(&(size as u16).to_be_bytes());
            3
        } else if size <= 0xffff_ffff {
            header[0] = 14 << 4 | kind;
            header[1..5].copy_from_slice(&(size as u32).to_be_bytes());
            5
        } else {
            header[0] = 15 << 4 | kind;
            header[1..9].copy_from_slice(&size.to_be_bytes());
            9
        };
        (header, length)
    }

    fn element(&mut self, kind: u8, payload: &[u8]) {
        let (header, length) = Self::header(kind, payload.len());
        self.out.extend_from_slice(&header[..length]);
        self.out.extend_from_slice(payload);
    }

    /// Opens an array: room for the largest header, filled in by [`Self::close`].
    fn open(&mut self) -> usize {
        let start = self.out.len();
        self.out.extend_from_slice(&[0; MAX_HEADER]);
        start
    }

    /// Writes the array's real header and moves its payload up against it.
    fn close(&mut self, start: usize) {
        let payload = start + MAX_HEADER;
        let size = self.out.len() - payload;
        let (header, length) = Self::header(ARRAY, size);
        self.out.copy_within(payload.., start + length);
        self.out[start..start + length].copy_from_slice(&header[..length]);
        self.out.truncate(start + length + size);
    }

    /// An integer's payload is its decimal text.
    fn integer(&mut self, value: impl std::fmt::Display) {
        self.element(INT, value.to_string().as_bytes());
    }
}

/// An array being filled: where its header goes. Rows are tuples, so arrays are the only
/// container.
pub struct Array<'a> {
    encoder: &'a mut Encoder,
    start: usize,
}

impl<'a> Array<'a> {
    fn new(encoder: &'a mut Encoder) -> Self {
        let start = encoder.open();
        Self { encoder, start }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.encoder)
    }

    fn end(self) -> Result<(), Error> {
        self.encoder.close(self.start);
        Ok(())
    }
}

fn unsupported(what: &str) -> Error {
    Error(format!("{what} is not a row value"))
}

/// Serializer methods that write an integer element.
macro_rules! integers {
    ($($method:ident: $type:ty),* $(,)?) => {
        $(
            fn $method(self, value: $type) -> Result<(), Error> {
                self.integer(value);
                Ok(())
            }
        )*
    };
}

impl<'a> ser::Serializer for &'a mut Encoder {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.element(if value { TRUE } else { FALSE }, &[]);
        Ok(())
    }

    integers! {
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
    }

    fn serialize_f32(self, _: f32) -> Result<(), Error> {
        Err(unsupported("a float"))
    }

    fn serialize_f64(self, _: f64) -> Result<(), Error> {
        Err(unsupported("a float"))
    }

    fn serialize_char(self, value: char) -> Result<(), Error> {
        self.serialize_str(value.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        self.element(TEXTRAW, value.as_bytes());
        Ok(())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        Err(unsupported("a byte string"))
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.element(NULL, &[]);
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(unsupported("an enum variant with data"))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Array<'a>, Error> {
        Ok(Array::new(self))
    }

    fn serialize_tuple(self, _: usize) -> Result<Array<'a>, Error> {
        Ok(Array::new(self))
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Array<'a>, Error> {
        Ok(Array::new(self))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(unsupported("an enum variant with data"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(unsupported("an object"))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(unsupported("an object"))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(unsupported("an enum variant with data"))
    }
}

/// Sequences, tuples and tuple structs all become arrays, through one set of methods.
macro_rules! array_of {
    ($($trait:ident :: $method:ident),* $(,)?) => {
        $(
            impl ser::$trait for Array<'_> {
                type Ok = ();
                type Error = Error;

                fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                    self.element(value)
                }

                fn end(self) -> Result<(), Error> {
                    Array::end(self)
                }
            }
        )*
    };
}

array_of!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
);

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use sqlx::{Connection, SqliteConnection};

    use super::*;

    /// What SQLite itself reads from the bytes: `json(?)` renders a JSONB blob as JSON text.
    async fn read_back(conn: &mut SqliteConnection, blob: Vec<u8>) -> Value {
        let text: String = sqlx::query_scalar("select json(?)")
            .bind(blob)
            .fetch_one(conn)
            .await
            .expect("SQLite accepts the JSONB");
        serde_json::from_str(&text).expect("SQLite renders JSON")
    }

    #[tokio::test]
    async fn sqlite_reads_back_what_serde_json_would_have_written() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        let long = "x".repeat(300);
        let longer = "é\"\\\n".repeat(20_000);
        let values = [
            json!([]),
            json!([null, true, false, 0, -7, i64::MIN, u64::MAX, ""]),
            json!([
                "a \"quoted\" \\ back\tslash\u{1}\u{0}",
                "ünïcødé ✓ 🎉",
                long,
                longer
            ]),
            json!([[1, [2, [3, []]]], [[true]], "eleven char"]),
            json!("twelve chars"),
        ];
        for value in values {
            let blob = to_vec(&value).unwrap();
            assert_eq!(read_back(&mut conn, blob).await, value);
        }
        // Rows as the bulk inserts bind them: tuples with optional text, flags and numbers.
        let rows = vec![
            ("id-1", Some("name"), None::<&str>, true, 42_i64),
            ("id-2", None, Some("{\"data\":1}"), false, -1),
        ];
        let blob = to_vec(&rows).unwrap();
        assert_eq!(
            read_back(&mut conn, blob).await,
            serde_json::to_value(&rows).unwrap()
        );
    }

    /// `->>` hands a string back exactly, without any unescaping, and the other values as SQL
    /// values, as from the same rows in JSON text.
    #[tokio::test]
    async fn each_row_value_comes_back_as_from_json_text() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        let rows = vec![
            ("a\"b\\c\u{1}", Some(3_i64), true, None::<&str>),
            ("plain", None, false, Some("x")),
        ];
        let query = "select value ->> 0, value ->> 1, value ->> 2, value ->> 3 from jsonb_each(?) order by key";
        type Row = (String, Option<i64>, i64, Option<String>);
        let from_blob: Vec<Row> = sqlx::query_as(query)
            .bind(to_vec(&rows).unwrap())
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let from_text: Vec<Row> = sqlx::query_as(query)
            .bind(serde_json::to_string(&rows).unwrap())
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert_eq!(from_blob, from_text);
        assert_eq!(from_blob[0].0, "a\"b\\c\u{1}");
        assert_eq!(from_blob[0].2, 1);
    }

    #[test]
    fn a_float_or_an_object_is_refused() {
        assert!(to_vec(&[1.5_f64]).is_err());
        assert!(to_vec(&json!([{"k": 1}])).is_err());
    }
}
