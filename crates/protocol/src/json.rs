//! JSON from outside read once, one way: a member named twice in an object
//! is refused. Parsers keep the last of them, so `{"code":1001,"code":0}`
//! would read as success and an identity with two `idNo` as whichever came
//! last, while the raw copy kept for support shows both.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Whether `text` is JSON in which no object names a member twice. The
/// error names the first repeated member (or says what is not JSON).
pub fn unique_members(text: &str) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_str(text);
    Walk {
        path: String::new(),
    }
    .deserialize(&mut de)
    .and_then(|()| de.end())
    .map_err(|e| e.to_string())
}

/// One value, at `path` (for the error).
struct Walk {
    path: String,
}

impl<'de> DeserializeSeed<'de> for Walk {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
            };
            if !seen.insert(key) {
                return Err(de::Error::custom(format!("字段 {path} 出现了不止一次")));
            }
            map.next_value_seed(Walk { path })?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while seq
            .next_element_seed(Walk {
                path: format!("{}[{i}]", self.path),
            })?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_named_twice_is_named_in_the_refusal() {
        assert!(unique_members(r#"{"code":0,"data":{"a":[{"b":1},{"b":2}]}}"#).is_ok());
        let e = unique_members(r#"{"code":1001,"code":0}"#).unwrap_err();
        assert!(e.contains("code"), "{e}");
        let e = unique_members(r#"{"data":{"idNo":"1","userName":"x","idNo":"2"}}"#).unwrap_err();
        assert!(e.contains("data.idNo"), "{e}");
        assert!(unique_members("{").is_err());
        assert!(unique_members(r#"{"a":1} {}"#).is_err());
    }
}
