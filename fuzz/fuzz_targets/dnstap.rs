//! Fuzz target: dnstap files and the Frame Streams handshake take any bytes and never panic.
//!
//! The input is read three ways: as a dnstap file; as a file after a valid START (so the fuzzer reaches the frame
//! and protobuf decoding without having to find the START bytes); and fed to a bidirectional receiver in chunks
//! whose sizes come from the first byte, checking that chunking never changes the events.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tigr_ingest::dnstap::{decode_dnstap, read_dnstap};
use tigr_ingest::framestream::{
    ControlType, DNSTAP_CONTENT_TYPE, MAX_DATA_FRAME, Receiver, ReceiverEvent, encode_control,
};

fn read_file(data: &[u8]) {
    let mut messages = 0u64;
    let mut rejects = 0u64;
    let result = read_dnstap(
        data,
        "fuzz",
        |_, location| {
            messages += 1;
            assert!(location().starts_with("frame "));
        },
        &mut |_, _| rejects += 1,
    );
    if let Ok(stats) = result {
        assert_eq!(stats.messages, messages);
        assert_eq!(stats.rejects, rejects);
        assert!(stats.bytes <= data.len() as u64);
    }
}

/// Events as text, or the error, feeding `data` in `chunk`-byte pieces.
fn receive(data: &[u8], chunk: usize) -> Vec<String> {
    let mut receiver = Receiver::dnstap();
    let mut events = Vec::new();
    for piece in data.chunks(chunk) {
        receiver.feed(piece);
        loop {
            match receiver.next_event() {
                Ok(None) => break,
                Ok(Some(ReceiverEvent::Data(payload))) => {
                    assert!(payload.len() <= MAX_DATA_FRAME);
                    events.push(format!("data {payload:?}"));
                }
                Ok(Some(event)) => events.push(format!("{event:?}")),
                Err(error) => {
                    events.push(format!("error {error}"));
                    return events;
                }
            }
        }
    }
    events
}

fuzz_target!(|data: &[u8]| {
    read_file(data);
    let mut framed = encode_control(ControlType::Start, &[DNSTAP_CONTENT_TYPE]);
    framed.extend_from_slice(data);
    read_file(&framed);
    let _ = decode_dnstap(data);

    let chunk = usize::from(data.first().copied().unwrap_or(1)).max(1);
    let mut session = encode_control(ControlType::Ready, &[DNSTAP_CONTENT_TYPE]);
    session.extend(encode_control(ControlType::Start, &[]));
    session.extend_from_slice(data);
    let whole = receive(&session, session.len().max(1));
    let pieces = receive(&session, chunk);
    // An error may surface earlier with smaller pieces only if it is the same error at the same point.
    assert_eq!(whole, pieces);
    let _ = receive(data, chunk);
});
