//! Arrow IPC buffers (cargo feature `ipc`): a table serialized in the IPC
//! stream format (`application/vnd.apache.arrow.stream`, what
//! apache-arrow's `tableToIPC(table)` and pyarrow's `ipc.new_stream` write)
//! or the IPC file format (`tableToIPC(table, 'file')`, Feather v2), told
//! apart by the file format's leading magic `ARROW1`.
//!
//! Borrowed bytes are copied once into Arrow's memory, owned bytes are
//! used in place (`read_ipc_owned`); either is decoded batch by batch: each batch is fed to the reader and dropped before the next
//! one is decoded. Every batch is validated by arrow-ipc (offsets, UTF-8,
//! dictionary keys) before a row is read; the file format's footer is
//! checked against the buffer's length here, before arrow-ipc reads a
//! block. Compressed buffers (LZ4 or zstd bodies) are refused: the crate
//! is built without the IPC codecs.

use crate::arrow::buffer::Buffer;
use crate::{ArrowHistory, Table};
use arrow_ipc::reader::{FileDecoder, StreamDecoder};
use arrow_ipc::Block;
use relman::error::{Error, Result};
use relman::limits::Limits;
use relman::policy::KpiPolicy;
use relman::{KpiOptions, KpiReport};

/// The magic at both ends of an IPC file (and the start of a Feather v2
/// file).
const FILE_MAGIC: &[u8; 6] = b"ARROW1";
/// The end-of-stream marker of the IPC stream format: the continuation
/// token, then a zero message length.
const END_OF_STREAM: [u8; 8] = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];
/// The end-of-stream marker of streams written before Arrow 0.15 (no
/// continuation token).
const LEGACY_END_OF_STREAM: [u8; 4] = [0, 0, 0, 0];

/// The two serializations of an Arrow IPC buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpcFormat {
    /// The IPC stream format: a schema message, dictionary and record
    /// batch messages, an end-of-stream marker.
    Stream,
    /// The IPC file format (Feather v2): `ARROW1`, the stream's messages,
    /// a footer indexing them, `ARROW1`.
    File,
}

impl IpcFormat {
    /// The format of `bytes`: [`IpcFormat::File`] when they start with the
    /// file format's magic `ARROW1`, else [`IpcFormat::Stream`] (which an
    /// IPC stream never starts with: its first bytes are a continuation
    /// token or a message length).
    pub fn detect(bytes: &[u8]) -> IpcFormat {
        if bytes.starts_with(FILE_MAGIC) {
            IpcFormat::File
        } else {
            IpcFormat::Stream
        }
    }

    /// The format's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            IpcFormat::Stream => "Arrow IPC stream",
            IpcFormat::File => "Arrow IPC file",
        }
    }
}

/// The Arrow IPC buffers of one history (cargo feature `ipc`): any of the
/// three tables, each in the stream or the file format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IpcBuffers<'b> {
    /// The deployments table.
    pub deployments: Option<&'b [u8]>,
    /// The incidents table.
    pub incidents: Option<&'b [u8]>,
    /// The releases table.
    pub releases: Option<&'b [u8]>,
}

impl ArrowHistory {
    /// Feeds every record batch of an Arrow IPC buffer (cargo feature
    /// `ipc`) as rows of `table`, one batch at a time: the stream format
    /// or the file format, told apart by [`IpcFormat::detect`].
    ///
    /// A buffer that is not Arrow IPC (empty, garbage, a stream without its
    /// end-of-stream marker or a file without its footer — a truncated
    /// buffer —, a batch arrow-ipc refuses, compressed buffers) is
    /// `invalid_input` at `<table>`, the message naming the format read;
    /// the columns are then checked as for any batch
    /// (`deployments.finished_at` for a column of a wrong type). A buffer
    /// holding a schema and no batch feeds no row.
    pub fn read_ipc(&mut self, table: Table, bytes: &[u8]) -> Result<()> {
        self.read_ipc_buffer(table, Buffer::from_slice_ref(bytes))
    }

    /// [`read_ipc`](Self::read_ipc) over bytes the reader may keep (a
    /// file read into memory): the batches are decoded in place, without
    /// the copy `read_ipc` makes of borrowed bytes.
    pub fn read_ipc_owned(&mut self, table: Table, bytes: Vec<u8>) -> Result<()> {
        self.read_ipc_buffer(table, Buffer::from_vec(bytes))
    }

    fn read_ipc_buffer(&mut self, table: Table, bytes: Buffer) -> Result<()> {
        let format = IpcFormat::detect(&bytes);
        let bad = |message: &dyn std::fmt::Display| {
            Error::invalid_input(
                table.name(),
                format!("not a readable {}: {message}", format.name()),
            )
        };
        match format {
            IpcFormat::Stream => self.read_ipc_stream(table, bytes, &bad),
            IpcFormat::File => self.read_ipc_file(table, bytes, &bad),
        }
    }

    fn read_ipc_stream(
        &mut self,
        table: Table,
        bytes: Buffer,
        bad: &dyn Fn(&dyn std::fmt::Display) -> Error,
    ) -> Result<()> {
        if bytes.is_empty() {
            return Err(bad(&"the buffer is empty"));
        }
        // The messages must end exactly where the end-of-stream marker
        // starts: a stream cut at a message boundary is refused too.
        let marker = if bytes.ends_with(&END_OF_STREAM) {
            END_OF_STREAM.len()
        } else if bytes.ends_with(&LEGACY_END_OF_STREAM) {
            LEGACY_END_OF_STREAM.len()
        } else {
            return Err(bad(
                &"no end-of-stream marker at the end (a truncated buffer?)",
            ));
        };
        let mut buffer = bytes.slice_with_length(0, bytes.len().saturating_sub(marker));
        let mut decoder = StreamDecoder::new();
        while !buffer.is_empty() {
            if let Some(batch) = decoder.decode(&mut buffer).map_err(|e| bad(&e))? {
                self.push(table, &batch)?;
            }
        }
        decoder
            .finish()
            .map_err(|_| bad(&"the last message is cut short (a truncated buffer?)"))?;
        if decoder.schema().is_none() {
            return Err(bad(&"no schema message"));
        }
        Ok(())
    }

    fn read_ipc_file(
        &mut self,
        table: Table,
        buffer: Buffer,
        bad: &dyn Fn(&dyn std::fmt::Display) -> Error,
    ) -> Result<()> {
        let bytes = buffer.as_slice();
        let truncated = || bad(&"no footer at the end (a truncated buffer?)");
        // `ARROW1`, padding to 8 bytes, …, footer, its i32 length, `ARROW1`.
        let trailer_start = bytes
            .len()
            .checked_sub(FILE_MAGIC.len().saturating_add(4))
            .filter(|&at| at >= 8 && bytes.ends_with(FILE_MAGIC))
            .ok_or_else(truncated)?;
        let length = bytes
            .get(trailer_start..trailer_start.saturating_add(4))
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .ok_or_else(truncated)?;
        let footer_start = usize::try_from(i32::from_le_bytes(length))
            .ok()
            .and_then(|len| trailer_start.checked_sub(len))
            .filter(|&at| at >= 8)
            .ok_or_else(|| bad(&"the footer's length is out of the buffer"))?;
        let footer_bytes = bytes
            .get(footer_start..trailer_start)
            .ok_or_else(truncated)?;
        let footer = arrow_ipc::root_as_footer(footer_bytes)
            .map_err(|e| bad(&format!("unreadable footer: {e}")))?;
        let schema = footer
            .schema()
            .ok_or_else(|| bad(&"the footer has no schema"))?;
        if !schema.endianness().equals_to_target_endianness() {
            return Err(bad(&"big-endian data"));
        }
        let schema = arrow_ipc::convert::try_fb_to_schema(schema).map_err(|e| bad(&e))?;
        let mut decoder = FileDecoder::new(std::sync::Arc::new(schema), footer.version());
        // The blocks lie between the leading magic and the footer.
        let block = |b: &Block| -> Result<Buffer> {
            let at = usize::try_from(b.offset()).ok();
            let meta = usize::try_from(b.metaDataLength()).ok().filter(|&m| m >= 8);
            let body = usize::try_from(b.bodyLength()).ok();
            let range = at.zip(meta).zip(body).and_then(|((at, meta), body)| {
                let end = at.checked_add(meta)?.checked_add(body)?;
                (at >= 8 && end <= footer_start).then_some((at, end.saturating_sub(at)))
            });
            let (at, len) = range.ok_or_else(|| {
                bad(&format!(
                    "a block (offset {}, metadata {} bytes, body {} bytes) lies outside the \
                     buffer's messages",
                    b.offset(),
                    b.metaDataLength(),
                    b.bodyLength()
                ))
            })?;
            Ok(buffer.slice_with_length(at, len))
        };
        for b in footer.dictionaries().iter().flatten() {
            decoder
                .read_dictionary(b, &block(b)?)
                .map_err(|e| bad(&e))?;
        }
        for b in footer.recordBatches().iter().flatten() {
            if let Some(batch) = decoder
                .read_record_batch(b, &block(b)?)
                .map_err(|e| bad(&e))?
            {
                self.push(table, &batch)?;
            }
        }
        Ok(())
    }
}

/// Every KPI of the history in `buffers` (cargo feature `ipc`), as
/// [`relman::compute_kpis_with`] over the same records in one history
/// document: the policy's `kpi` section overridden by `options`, each row
/// read under `limits`. Errors are [`ArrowHistory::read_ipc`]'s.
pub fn compute_kpis_ipc(
    buffers: &IpcBuffers<'_>,
    policy: &KpiPolicy,
    options: &KpiOptions,
    limits: &Limits,
) -> Result<KpiReport> {
    crate::compute_kpis_of(
        [&buffers.deployments, &buffers.incidents, &buffers.releases],
        policy,
        options,
        limits,
        |history, table, bytes| history.read_ipc(table, bytes),
    )
}
