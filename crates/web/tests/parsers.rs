//! The one reader of query strings and forms, fed arbitrary bytes: it never panics, and a day
//! it accepts reads back as it was written, and a number it accepts is the number written.

use magasin_web::fields::Fields;
use proptest::prelude::*;

proptest! {
    #[test]
    fn any_bytes_are_read_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let fields = Fields::parse(&bytes);
        for (name, _) in fields.pairs() {
            let _ = fields.integer(name);
            let _ = fields.date(name);
            let _ = fields.text(name);
        }
    }

    #[test]
    fn an_accepted_day_reads_back_as_written(value in prop_oneof!["[0-9]{4}-[0-9]{2}-[0-9]{2}", "[+-]?[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}", "\\PC{0,12}"]) {
        let query = form_urlencoded::Serializer::new(String::new()).append_pair("du", &value).finish();
        if let Ok(Some(day)) = Fields::parse(query.as_bytes()).date("du") {
            prop_assert_eq!(day.format("%Y-%m-%d").to_string(), value);
        }
    }

    #[test]
    fn an_accepted_number_is_the_number_written(value in prop_oneof![any::<i64>().prop_map(|n| n.to_string()), "[+-]?[0-9 ]{0,22}", "\\PC{0,8}"]) {
        let query = form_urlencoded::Serializer::new(String::new()).append_pair("page", &value).finish();
        if let Ok(Some(number)) = Fields::parse(query.as_bytes()).integer("page") {
            prop_assert_eq!(value.trim().parse::<i64>(), Ok(number));
        }
    }
}
