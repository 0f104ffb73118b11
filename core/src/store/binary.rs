//! A small binary encoding for the records stored in great numbers (visits): LEB128
//! varints, zigzag for signed numbers, length-prefixed bytes. Every read is checked; a
//! short or damaged document is an error naming what could not be read, never a panic.

use uuid::Uuid;

/// Writes the encoding.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn new() -> Self {
        Self {
            buf: Vec::with_capacity(48),
        }
    }

    pub(crate) fn u8(&mut self, b: u8) -> &mut Self {
        self.buf.push(b);
        self
    }

    pub(crate) fn varint(&mut self, mut n: u64) -> &mut Self {
        while n >= 0x80 {
            self.buf.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.buf.push(n as u8);
        self
    }

    pub(crate) fn signed(&mut self, n: i64) -> &mut Self {
        self.varint(((n << 1) ^ (n >> 63)) as u64)
    }

    pub(crate) fn uuid(&mut self, u: Uuid) -> &mut Self {
        self.buf.extend_from_slice(u.as_bytes());
        self
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.varint(b.len() as u64);
        self.buf.extend_from_slice(b);
        self
    }

    pub(crate) fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }
}

/// Reads the encoding; each method names what it was reading when the bytes run out.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or_else(|| format!("the document ends inside {what} (at byte {})", self.pos))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    pub(crate) fn varint(&mut self, what: &str) -> Result<u64, String> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.u8(what)?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(format!("{what}: a number longer than 64 bits"))
    }

    pub(crate) fn signed(&mut self, what: &str) -> Result<i64, String> {
        let z = self.varint(what)?;
        Ok(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    pub(crate) fn uuid(&mut self, what: &str) -> Result<Uuid, String> {
        let b = self.take(16, what)?;
        let mut a = [0u8; 16];
        a.copy_from_slice(b);
        Ok(Uuid::from_bytes(a))
    }

    pub(crate) fn bytes(&mut self, what: &str) -> Result<&'a [u8], String> {
        let n = usize::try_from(self.varint(what)?).map_err(|_| format!("{what}: too long"))?;
        self.take(n, what)
    }

    /// Fails unless every byte was read.
    pub(crate) fn end(&self) -> Result<(), String> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(format!(
                "{} bytes left over after the last field",
                self.buf.len() - self.pos
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn what_is_written_reads_back(u in any::<u64>(), s in any::<i64>(), b in proptest::collection::vec(any::<u8>(), 0..40), id in any::<u128>()) {
            let mut w = Writer::new();
            w.varint(u).signed(s).bytes(&b).uuid(Uuid::from_u128(id)).u8(7);
            let buf = w.finish();
            let mut r = Reader::new(&buf);
            prop_assert_eq!(r.varint("u").unwrap(), u);
            prop_assert_eq!(r.signed("s").unwrap(), s);
            prop_assert_eq!(r.bytes("b").unwrap(), &b[..]);
            prop_assert_eq!(r.uuid("id").unwrap(), Uuid::from_u128(id));
            prop_assert_eq!(r.u8("tail").unwrap(), 7);
            prop_assert!(r.end().is_ok());
        }

        #[test]
        fn a_cut_document_is_an_error_not_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..30)) {
            let mut r = Reader::new(&bytes);
            let _ = r.varint("a").and_then(|_| r.bytes("b")).and_then(|_| r.uuid("c"));
        }
    }

    #[test]
    fn small_numbers_take_one_byte() {
        let mut w = Writer::new();
        w.varint(127).signed(-64).signed(63);
        assert_eq!(w.finish().len(), 3);
    }
}
