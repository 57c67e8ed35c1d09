//! How one setting's text becomes its value: a native TOML value, or text to parse (environment
//! variables and flags are text), with a message that says what was expected.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer};

/// Accepts a native TOML value or a string to parse.
pub(super) fn parsed<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw<T> {
        Native(T),
        Text(String),
    }
    match Raw::<T>::deserialize(deserializer)? {
        Raw::Native(value) => Ok(value),
        Raw::Text(text) => text.trim().parse().map_err(|_| {
            de::Error::custom(format!(
                "`{text}` is not valid; expected {}",
                describe::<T>()
            ))
        }),
    }
}

pub(super) fn parsed_option<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + Deserialize<'de>,
{
    parsed(deserializer).map(Some)
}

fn describe<T>() -> &'static str {
    match std::any::type_name::<T>() {
        "u16" => "a whole number from 0 to 65535",
        "u32" | "u64" | "usize" => "a whole number of 0 or more",
        "f64" => "a number",
        "bool" => "true or false",
        other => other,
    }
}

/// A list: a TOML array, or comma-separated text.
pub(super) fn list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Items(Vec<String>),
        Text(String),
    }
    Ok(match Raw::deserialize(deserializer)? {
        Raw::Items(items) => items,
        Raw::Text(text) => text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// The keys a settings section takes: the field names its derived `Deserialize` asks for. The
/// loader sorts keys into sections with them, so a key is declared once, by its field.
pub(super) fn keys_of<T: DeserializeOwned>() -> &'static [&'static str] {
    match T::deserialize(KeyProbe) {
        Err(Keys(keys)) => keys,
        Ok(_) => &[],
    }
}

/// A deserializer that only records which fields a struct asks for.
struct KeyProbe;

#[derive(Debug)]
struct Keys(&'static [&'static str]);

impl fmt::Display for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "keys {:?}", self.0)
    }
}

impl std::error::Error for Keys {}

impl de::Error for Keys {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Keys(&[])
    }
}

impl<'de> Deserializer<'de> for KeyProbe {
    type Error = Keys;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Keys> {
        Err(Keys(&[]))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Keys> {
        Err(Keys(fields))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}
