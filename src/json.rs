//! Whole numbers in JSON bodies. JSON Schema's `integer` admits `8.0`, and some clients send
//! whole numbers so (Python's `json` writes any float that way); serde's integers refuse it.
//! A field that takes an integer reads both with `#[serde(deserialize_with = "...")]` and one
//! of these; a fraction, a negative or an out-of-range value is still refused.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// An integer, also written with a zero fraction.
struct Whole<T>(T);

impl<'de, T: TryFrom<u64>> Deserialize<'de> for Whole<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = serde_json::Number::deserialize(deserializer)?;
        let whole = number.as_u64().or_else(|| {
            let float = number.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0)?;
            (float < u64::MAX as f64).then_some(float as u64)
        });
        whole
            .and_then(|n| T::try_from(n).ok())
            .map(Whole)
            .ok_or_else(|| {
                D::Error::custom(format!("expected a whole number in range, found {number}"))
            })
    }
}

pub fn whole<'de, D: Deserializer<'de>, T: TryFrom<u64>>(deserializer: D) -> Result<T, D::Error> {
    Whole::deserialize(deserializer).map(|w| w.0)
}

pub fn whole_option<'de, D: Deserializer<'de>, T: TryFrom<u64>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    Option::<Whole<T>>::deserialize(deserializer).map(|w| w.map(|w| w.0))
}

pub fn whole_list<'de, D: Deserializer<'de>, T: TryFrom<u64>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    Vec::<Whole<T>>::deserialize(deserializer).map(|list| list.into_iter().map(|w| w.0).collect())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Body {
        #[serde(deserialize_with = "super::whole")]
        depth: u8,
        #[serde(default, deserialize_with = "super::whole_option")]
        version: Option<u64>,
        #[serde(default, deserialize_with = "super::whole_list")]
        ids: Vec<u32>,
    }

    fn read(text: &str) -> Result<Body, serde_json::Error> {
        serde_json::from_str(text)
    }

    #[test]
    fn whole_numbers_read_with_or_without_a_zero_fraction_and_nothing_else_does() {
        let expected = Body {
            depth: 2,
            version: Some(8),
            ids: vec![1, 5],
        };
        assert_eq!(
            read(r#"{"depth": 2, "version": 8, "ids": [1, 5]}"#).unwrap(),
            expected
        );
        assert_eq!(
            read(r#"{"depth": 2.0, "version": 8.0, "ids": [1.0, 5]}"#).unwrap(),
            expected
        );
        assert_eq!(
            read(r#"{"depth": 2, "version": null}"#).unwrap().version,
            None
        );
        for refused in [
            r#"{"depth": 2.5}"#,
            r#"{"depth": -1}"#,
            r#"{"depth": 300}"#,
            r#"{"depth": "2"}"#,
        ] {
            assert!(read(refused).is_err(), "{refused}");
        }
    }
}
