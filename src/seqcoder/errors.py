"""The exceptions seqcoder raises. Every one is a :class:`SeqcoderError`, so callers
(and the CLI, which turns them into one line on stderr and exit status 1) catch one type."""

from __future__ import annotations


class SeqcoderError(Exception):
    """Base class of every error seqcoder raises on purpose."""


class FormatError(SeqcoderError):
    """The archive is not a valid seqcoder archive (bad magic, version, truncation, bad field)."""

    def __init__(self, message: str, offset: int | None = None, path: str | None = None):
        self.message = message
        self.offset = offset
        self.path = path
        where = ""
        if path is not None:
            where += f"{path}: "
        if offset is not None:
            where += f"at byte offset {offset}: "
        super().__init__(where + message)


    def naming(self, path: str) -> FormatError:
        """The same error naming ``path`` (itself when it names a file already)."""
        return self if self.path is not None else type(self)(self.message, self.offset, path)


class ChecksumError(FormatError):
    """A section or the decoded output does not match its stored checksum."""


class FastaError(SeqcoderError):
    """The input is not acceptable FASTA (raised only in --strict mode)."""

    def __init__(self, message: str, line: int | None = None, path: str | None = None):
        self.line = line
        self.path = path
        where = f"{path or '<input>'}"
        if line is not None:
            where += f", line {line}"
        super().__init__(f"Error in FASTA file {where}: {message}")


class RecordError(SeqcoderError):
    """No record of an archive (or of a member) answers to the name, header or number asked for."""


class ModelError(SeqcoderError):
    """A model cannot be found, or its weights do not match their manifest or the archive."""


class UnsafeDecodeError(SeqcoderError):
    """The decoder's float arithmetic strayed further than the archive's safety margin allows."""


class MissingExtraError(SeqcoderError):
    """A feature needs an optional dependency that is not installed (the message names the
    ``pip install`` that adds it)."""


class SeqcoderWarning(UserWarning):
    """Something the user should know that does not stop the work (e.g. an input that is not
    nucleotide data, stored with a general-purpose codec)."""


class WriteError(SeqcoderError):
    """An output could not be written (a full disk, no permission); what was there is unchanged."""


def error_line(exc: BaseException, path: str | None = None) -> str:
    """The one line the CLI prints for ``exc``, naming the file once: ``path`` is put in front
    only when the message does not name it already.

    >>> error_line(FormatError("bad magic", 0, "x.sqc"), "x.sqc")
    'x.sqc: at byte offset 0: bad magic'
    >>> error_line(FileNotFoundError(2, "No such file or directory", "y.fa"))
    'y.fa: No such file or directory'
    """
    named: str | None
    if isinstance(exc, OSError) and exc.filename is not None:
        text = f"{exc.filename}: {exc.strerror}"
        named = str(exc.filename)
    else:
        text = str(exc) if not isinstance(exc, OSError) or not exc.strerror else exc.strerror
        named = getattr(exc, "path", None)
    if path is None or named == path or text.startswith(f"{path}:"):
        return text
    return f"{path}: {text}"
