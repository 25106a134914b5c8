//! 居民身份证号 (GB 11643): 18 characters, the last a check character.

/// ISO 7064 MOD 11-2 check character of the 17 leading digits of a 居民身份证号.
pub fn id_check_char(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    Some(CHECK[(sum % 11) as usize])
}

/// True when `id` is 18 characters with a correct check character (an `x`
/// is the `X` some systems write in lower case).
pub fn is_valid_resident_id(id: &str) -> bool {
    id.len() == 18
        && id.is_char_boundary(17)
        && id_check_char(&id[..17]) == id[17..].chars().next().map(|c| c.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lower_case_check_character_is_the_same() {
        assert!(is_valid_resident_id("11010519491231002X"));
        assert!(is_valid_resident_id("11010519491231002x"));
        assert!(!is_valid_resident_id("110105194912310021"));
    }
}
