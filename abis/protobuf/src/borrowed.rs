//! The payload messages and request batches encoded by hand from borrowed
//! fields (see [`write`]), and their sizes.

use payload::{HttpRequest, HttpResponse};
use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint, key_len};

/// Writes with prost's own encoding functions from borrowed fields: the
/// bytes the generated types would write, without first copying the
/// payload into an owned message. `out` must hold `len` bytes.
#[inline(always)]
pub(crate) fn write(out: &mut [u8], len: usize, f: impl FnOnce(&mut &mut [u8])) -> Option<usize> {
    let mut buf = out.get_mut(..len)?;
    f(&mut buf);
    Some(len)
}

/// Size of a length-delimited field of `n` bytes with `tag`.
#[inline(always)]
pub(crate) fn delimited_len(tag: u32, n: usize) -> usize {
    key_len(tag) + encoded_len_varint(n as u64) + n
}

/// Writes a length-delimited field holding `bytes`.
#[inline(always)]
pub(crate) fn put_delimited(tag: u32, bytes: &[u8], buf: &mut &mut [u8]) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(bytes.len() as u64, buf);
    prost::bytes::BufMut::put_slice(buf, bytes);
}

/// Size of a varint field.
#[inline(always)]
pub(crate) fn varint_len(tag: u32, v: u64) -> usize {
    key_len(tag) + encoded_len_varint(v)
}

/// Writes a varint field.
#[inline(always)]
pub(crate) fn put_varint(tag: u32, v: u64, buf: &mut &mut [u8]) {
    encode_key(tag, WireType::Varint, buf);
    encode_varint(v, buf);
}

/// Size of one `Header` message's body.
fn header_len(name: &str, value: &str) -> usize {
    delimited_len(1, name.len()) + delimited_len(2, value.len())
}

/// Size of a repeated `Header` field with `tag`.
fn headers_len(tag: u32, headers: &[(String, String)]) -> usize {
    headers
        .iter()
        .map(|(k, v)| delimited_len(tag, header_len(k, v)))
        .sum()
}

/// Writes a repeated `Header` field with `tag`.
pub(crate) fn put_headers(tag: u32, headers: &[(String, String)], buf: &mut &mut [u8]) {
    for (k, v) in headers {
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(header_len(k, v) as u64, buf);
        put_delimited(1, k.as_bytes(), buf);
        put_delimited(2, v.as_bytes(), buf);
    }
}

pub(crate) fn request_len(r: &HttpRequest) -> usize {
    varint_len(1, u64::from(r.method.code()))
        + delimited_len(2, r.url.len())
        + headers_len(3, &r.headers)
        + delimited_len(4, r.body.len())
}

pub(crate) fn response_len(r: &HttpResponse) -> usize {
    varint_len(1, u64::from(r.status)) + headers_len(2, &r.headers) + delimited_len(3, r.body.len())
}

#[cfg(test)]
mod tests {
    use abi_api::Codec;
    use prost::Message;

    use crate::{ProtobufCodec, wire};

    #[test]
    fn hand_encoded_payloads_are_what_the_generated_types_read() {
        for seed in 0..6 {
            let req = payload::make_request(seed, 37 * seed as usize);
            let bytes = abi_api::to_vec(
                &req,
                ProtobufCodec::size_request_msg,
                ProtobufCodec::encode_request_msg,
            )
            .unwrap();
            assert_eq!(ProtobufCodec::decode_request_msg(&bytes), Some(req.clone()));
            // And the generated encoder's bytes decode the same.
            let generated = wire::HttpRequest {
                method: u32::from(req.method.code()),
                url: req.url.clone(),
                headers: req
                    .headers
                    .iter()
                    .map(|(name, value)| wire::Header {
                        name: name.clone(),
                        value: value.clone(),
                    })
                    .collect(),
                body: req.body.clone(),
            }
            .encode_to_vec();
            assert_eq!(ProtobufCodec::decode_request_msg(&generated), Some(req));
            let resp = payload::make_response(seed, 5);
            let bytes = abi_api::to_vec(
                &resp,
                ProtobufCodec::size_response_msg,
                ProtobufCodec::encode_response_msg,
            )
            .unwrap();
            assert_eq!(ProtobufCodec::decode_response_msg(&bytes), Some(resp));
        }
        let xs = payload::make_list(3, 100);
        let bytes = abi_api::to_vec(
            &xs[..],
            ProtobufCodec::size_list,
            ProtobufCodec::encode_list,
        )
        .unwrap();
        assert_eq!(bytes, wire::Numbers { values: xs.clone() }.encode_to_vec());
        assert_eq!(
            ProtobufCodec::decode_list(&bytes).unwrap().as_ref(),
            &xs[..]
        );
        let mut r = payload::make_record(3);
        r.x = -0.0;
        let bytes =
            abi_api::to_vec(&r, ProtobufCodec::size_record, ProtobufCodec::encode_record).unwrap();
        let back = ProtobufCodec::decode_record(&bytes).unwrap();
        assert_eq!(back.x.to_bits(), (-0.0f64).to_bits());
        let rs = [
            cachesim::Request::new(1, 1 << 20),
            cachesim::Request::new(0, 0),
        ];
        let bytes = abi_api::to_vec(
            &rs[..],
            ProtobufCodec::size_requests,
            ProtobufCodec::encode_requests,
        )
        .unwrap();
        let mut back = vec![];
        ProtobufCodec::decode_requests(&bytes, |r| back.push(r)).unwrap();
        assert_eq!(back, rs);
        // Truncated: refused.
        assert_eq!(ProtobufCodec::decode_list(&bytes[..bytes.len() - 1]), None);
    }
}
