//! A fixed-capacity line buffer: turns `fmt::Write` fragments into whole lines.

/// Bytes a line may hold before it is emitted in pieces (report lines are well under this).
pub(crate) const LINE_CAPACITY: usize = 192;

/// Collects text until a `'\n'` and hands each complete line (with its `'\n'`) to a sink.
///
/// A line longer than [`LINE_CAPACITY`] reaches the sink in pieces without `'\n'`; the pieces
/// concatenate to the original text. Nothing here can panic.
pub(crate) struct LineBuf {
    buf: [u8; LINE_CAPACITY],
    len: usize,
}

impl LineBuf {
    pub(crate) const fn new() -> Self {
        Self {
            buf: [0; LINE_CAPACITY],
            len: 0,
        }
    }

    /// Appends `s`, calling `sink` for every completed line (or overflowing piece).
    pub(crate) fn push<E>(
        &mut self,
        s: &str,
        sink: &mut impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut rest = s;
        while let Some((line, tail)) = rest.split_once('\n') {
            self.append(line, sink)?;
            self.append("\n", sink)?;
            self.flush(sink)?;
            rest = tail;
        }
        self.append(rest, sink)
    }

    /// Hands any buffered text to `sink`.
    pub(crate) fn flush<E>(
        &mut self,
        sink: &mut impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        match core::mem::take(&mut self.len) {
            0 => Ok(()),
            n => sink(utf8_prefix(&self.buf, n)),
        }
    }

    fn append<E>(
        &mut self,
        s: &str,
        sink: &mut impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        if s.len() > LINE_CAPACITY - self.len {
            self.flush(sink)?;
            if s.len() > LINE_CAPACITY {
                return sink(s);
            }
        }
        if let Some(dst) = self.buf.get_mut(self.len..) {
            for (d, b) in dst.iter_mut().zip(s.bytes()) {
                *d = b;
            }
            self.len += s.len();
        }
        Ok(())
    }
}

/// The first `n` bytes of `buf` as text. Only whole `&str`s are appended to a [`LineBuf`], so its
/// filled part is always valid UTF-8; the fallback never happens.
fn utf8_prefix(buf: &[u8], n: usize) -> &str {
    buf.get(..n)
        .and_then(|b| core::str::from_utf8(b).ok())
        .unwrap_or("")
}
