//! Reading an input: gzip and zstd are recognised by their magic numbers and decompressed on the fly, and the bytes
//! taken from the underlying input are counted (for progress and throughput).

use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// How an input was compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
/// Large reads: parsers are fast enough that small ones would dominate.
const BUFFER: usize = 256 * 1024;

/// Counts the bytes read through it into a shared counter.
#[derive(Debug)]
pub struct Counting<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
}

impl<R> Counting<R> {
    /// Wraps `inner`; `bytes` grows by every byte read.
    pub fn new(inner: R, bytes: Arc<AtomicU64>) -> Self {
        Self { inner, bytes }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// How an input starting with `head` (its first 4 bytes or more) is compressed.
pub fn compression_of(head: &[u8]) -> Compression {
    if head.starts_with(ZSTD_MAGIC) {
        Compression::Zstd
    } else if head.starts_with(GZIP_MAGIC) {
        Compression::Gzip
    } else {
        Compression::None
    }
}

/// Looks at the first bytes of `raw` and returns a reader of the decompressed content.
pub fn decompressed<R: Read + Send + 'static>(
    raw: R,
) -> io::Result<(Compression, Box<dyn BufRead + Send>)> {
    let mut raw = BufReader::with_capacity(BUFFER, raw);
    match compression_of(raw.fill_buf()?) {
        Compression::Zstd => {
            let decoder = ruzstd::decoding::StreamingDecoder::new(raw)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {e}")))?;
            Ok((
                Compression::Zstd,
                Box::new(BufReader::with_capacity(BUFFER, decoder)),
            ))
        }
        Compression::Gzip => {
            let decoder = flate2::bufread::MultiGzDecoder::new(raw);
            Ok((
                Compression::Gzip,
                Box::new(BufReader::with_capacity(BUFFER, decoder)),
            ))
        }
        Compression::None => Ok((Compression::None, Box::new(raw))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn read_all(bytes: Vec<u8>) -> (Compression, String) {
        let (kind, mut reader) = decompressed(io::Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        (kind, text)
    }

    #[test]
    fn plain_gzip_and_concatenated_gzip() {
        assert_eq!(
            read_all(b"plain\n".to_vec()),
            (Compression::None, "plain\n".into())
        );
        let gz = |s: &str| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(s.as_bytes()).unwrap();
            e.finish().unwrap()
        };
        let mut two = gz("one\n");
        two.extend(gz("two\n"));
        assert_eq!(read_all(two), (Compression::Gzip, "one\ntwo\n".into()));
        assert_eq!(read_all(Vec::new()), (Compression::None, String::new()));
    }

    #[test]
    fn zstd() {
        // `printf 'hello zstd\n' | zstd -c | xxd -i`
        let frame = vec![
            0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x59, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
            0x20, 0x7a, 0x73, 0x74, 0x64, 0x0a, 0x6c, 0x57, 0xf9, 0x51,
        ];
        assert_eq!(read_all(frame), (Compression::Zstd, "hello zstd\n".into()));
    }

    #[test]
    fn broken_gzip_is_an_io_error() {
        let (_, mut reader) = decompressed(io::Cursor::new(vec![0x1f, 0x8b, 8, 0, 1, 2])).unwrap();
        let mut text = String::new();
        assert!(reader.read_to_string(&mut text).is_err());
    }

    #[test]
    fn counting() {
        let bytes = Arc::new(AtomicU64::new(0));
        let mut r = Counting::new(io::Cursor::new(vec![0u8; 1000]), bytes.clone());
        io::copy(&mut r, &mut io::sink()).unwrap();
        assert_eq!(bytes.load(Ordering::Relaxed), 1000);
    }
}
