//! The generated message types.

include!(concat!(env!("OUT_DIR"), "/abilab.rs"));

#[cfg(test)]
mod tests {
    use prost::Message;

    use crate::wire;

    /// The schema file is the contract: every field of the micro and
    /// simulator messages is on the wire with its declared number and wire
    /// type (the payload messages are checked against the generated types
    /// in `borrowed`'s `hand_encoded_payloads_are_what_the_generated_types_read`).
    #[test]
    fn messages_follow_the_schema_file() {
        let schema = include_str!("../proto/abilab.proto");
        let mut fields = Vec::new();
        let mut message = "";
        for line in schema.lines().map(str::trim) {
            if line.starts_with("//") || line.starts_with("syntax") {
                continue;
            }
            if let Some(rest) = line.strip_prefix("message ") {
                message = rest.trim_end_matches(" {").trim();
            } else if let Some((decl, num)) = line.trim_end_matches(';').split_once(" = ") {
                let mut words = decl.split_whitespace();
                let mut ty = words.next().unwrap();
                if ty == "optional" {
                    ty = words.next().unwrap();
                }
                let name = words.next().unwrap();
                if ["MulI32", "MulF32", "Request", "Stats"].contains(&message) {
                    fields.push((message, ty, name, num.parse::<u32>().unwrap()));
                }
            }
        }
        assert_eq!(fields.len(), 10, "{fields:?}");
        for (message, ty, name, num) in fields {
            // Encode a message with only this field set to 1.
            let bytes = match (message, name) {
                ("MulI32", "a") => wire::MulI32 { a: 1, b: 0 }.encode_to_vec(),
                ("MulI32", "b") => wire::MulI32 { a: 0, b: 1 }.encode_to_vec(),
                ("MulF32", "a") => wire::MulF32 {
                    a: Some(1.0),
                    b: None,
                }
                .encode_to_vec(),
                ("MulF32", "b") => wire::MulF32 {
                    a: None,
                    b: Some(1.0),
                }
                .encode_to_vec(),
                ("Request", "id") => wire::Request { id: 1, size: 0 }.encode_to_vec(),
                ("Request", "size") => wire::Request { id: 0, size: 1 }.encode_to_vec(),
                ("Stats", f) => {
                    let mut s = wire::Stats::default();
                    *match f {
                        "requests" => &mut s.requests,
                        "hits" => &mut s.hits,
                        "bytes" => &mut s.bytes,
                        "byte_hits" => &mut s.byte_hits,
                        other => panic!("unknown Stats field {other}"),
                    } = 1;
                    s.encode_to_vec()
                }
                other => panic!("schema field {other:?} has no Rust counterpart"),
            };
            let wire_type = if ty == "float" { 5 } else { 0 };
            assert_eq!(bytes[0], (num << 3 | wire_type) as u8, "{message}.{name}");
        }
    }
}
