"""Reading a raw message: headers, the text of its body in whatever charset it came, its files,
and whether a machine sent it. Pure functions over Python's email package (policy=default); no
database, so every rule is tested on bytes alone."""

import functools
import hashlib
import re
from dataclasses import dataclass, field
from email import errors, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from inscriptis import get_text
from mailparser_reply import EmailReplyParser

# Languages whose "On … wrote:" / "From: … Sent:" headers and signatures the reply parser knows.
REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "sv", "da", "pl", "cs"]
_reply_parser = EmailReplyParser(languages=REPLY_LANGUAGES)

_MSG_ID = re.compile(r"<[^<>\s]+>")
KEY_MAX = 255
THREAD_IDS_MAX = 50


class Unparseable(Exception):
    """The message cannot be read well enough to import it."""


class _Policy(policy.EmailPolicy):
    """policy.default, with the header objects it builds remembered: it builds one at every read of
    a header (Content-Type is read about ten times a message), which was most of a parse."""

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (one policy object, living as long as the process)
    def header_fetch_parse(self, name, value):
        return super().header_fetch_parse(name, value)


POLICY = _Policy()


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=POLICY).parsebytes(raw)


def message_ids(value: str | None) -> list[str]:
    """The <…> ids in an In-Reply-To or References header, in order, without repeats."""
    return list(dict.fromkeys(_MSG_ID.findall(value or "")))


def id_key(message_id: str) -> str:
    """How a Message-ID is recorded and looked up: as sent, hashed when too long for the index."""
    message_id = message_id.strip()
    if len(message_id) > KEY_MAX:
        return "sha256:" + hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()
    return message_id


def message_key(raw: bytes) -> str:
    """The dedup key: the Message-ID, or a hash of the bytes when there is none (or it is unreadable)."""
    try:
        headers = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
        found = message_ids(str(headers.get("Message-ID", "")))
    except Exception:  # a header block so broken that even compat32 fails: the hash still names it
        found = []
    if found:
        return id_key(found[0])
    return "sha256:" + hashlib.sha256(raw).hexdigest()


# --- text in any charset -------------------------------------------------------------------------

# What mail that says one thing usually is: WHATWG decodes these labels as windows-1252, and
# Japanese mail labelled Shift_JIS uses Microsoft's superset.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
}
_SINGLE_BYTE = {"cp1252", "iso-8859-15", "cp1250", "cp1251", "iso-8859-2", "koi8-r"}


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Text from bytes whatever the label says: the declared charset when the bytes fit it, UTF-8
    when a single-byte label is given to valid UTF-8 (the common lie), then windows-1252, which
    decodes anything."""
    declared = (declared or "").strip().strip('"').lower()
    charset = _CHARSET_ALIASES.get(declared, declared)
    candidates = []
    # Valid multi-byte UTF-8 almost never happens by chance in single-byte text.
    if (charset in _SINGLE_BYTE or not charset) and any(b > 0x7F for b in data):
        candidates.append("utf-8")
    candidates += [charset, "utf-8", "cp1252"]
    for candidate in dict.fromkeys(c for c in candidates if c):
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")  # every byte is a character here; never reached in practice


def _clean(text: str) -> str:
    # PostgreSQL cannot store NUL; lone surrogates are what undecodable header bytes become.
    text = text.replace("\x00", "")
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if _has_surrogates(text) else text


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogates(text: str) -> bool:
    return _SURROGATE.search(text) is not None  # (a regex: a loop over the characters cost 3% of an import)


def header_text(msg: EmailMessage, name: str) -> str:
    """A header decoded (RFC 2047 words included); raw 8-bit bytes, which some mailers put in
    headers unencoded, are read as the text charsets would (UTF-8, else windows-1252)."""
    raw = next((value for key, value in msg.raw_items() if key.lower() == name.lower()), None)
    if raw is None:
        return ""
    if _has_surrogates(raw):
        value = decode_bytes(raw.encode("ascii", "surrogateescape"), None)
    elif "=?" in raw:
        try:
            value = str(make_header(decode_header(raw)))
        except Exception:  # a malformed encoded word: its text as sent
            value = raw
    else:
        value = raw  # plain ASCII: nothing to decode (and no header object to build)
    return _clean(" ".join(value.split()))


def part_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    return _clean(decode_bytes(payload, part.get_content_charset()))


def html_to_text(html: str) -> str:
    """HTML mail as plain text (inscriptis: layout-aware, scripts and styles dropped)."""
    text = get_text(html) if html.strip() else ""
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


# --- the parts of a message ------------------------------------------------------------------------


@dataclass
class File:
    filename: str
    content: bytes
    content_type: str
    inline: bool = False


@dataclass
class Parsed:
    message_id: str
    sender_email: str
    sender_name: str
    subject: str
    to: list[str]
    cc: list[str]
    in_reply_to: list[str]
    references: list[str]
    text: str  # the whole body as text
    from_html: bool
    files: list[File] = field(default_factory=list)
    auto_reason: str | None = None

    @property
    def thread_ids(self) -> list[str]:
        """Ids to thread on, most telling first: In-Reply-To, then References newest first (at most
        THREAD_IDS_MAX: a thread's recent ids name its request as well as all of them)."""
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))[:THREAD_IDS_MAX]


def _addresses(msg: EmailMessage, name: str) -> list[str]:
    values = [header_text(msg, name)] if msg.get_all(name) else []
    return [email.lower() for _, email in getaddresses(values) if "@" in email]


def _body(msg: EmailMessage) -> tuple[str, bool]:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", False
    text = part_text(part)
    if part.get_content_subtype() == "html":
        return html_to_text(text), True
    return text.replace("\r\n", "\n").strip("\n"), False


def _files(msg: EmailMessage, body: EmailMessage | None) -> list[File]:
    files = []
    for part in msg.walk():
        if part.is_multipart() or part is body:
            continue
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        maintype = part.get_content_maintype()
        if maintype == "message" and part.get_content_subtype() == "rfc822":
            continue  # its parts are walked too
        if (
            disposition == "attachment"
            or filename
            or (maintype not in ("text", "multipart") and part.get("Content-ID"))
        ):
            content = part.get_payload(decode=True) or b""
            if not filename:
                subtype = part.get_content_subtype()
                filename = f"{'inline' if disposition != 'attachment' else 'attachment'}-{len(files) + 1}.{subtype}"
            files.append(
                File(
                    filename=_clean(str(filename)),
                    content=content,
                    content_type=part.get_content_type(),
                    inline=disposition == "inline" or bool(part.get("Content-ID")),
                )
            )
    return files


# Headers by which machines say they wrote a message (RFC 3834 and the common de-facto ones).
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_DAEMON = re.compile(r"^(mailer-daemon|mail-daemon|mailerdaemon)@", re.IGNORECASE)


def auto_reason(msg: EmailMessage, sender: str) -> str | None:
    """Why a machine sent this (auto-reply, bounce, bulk), or None for a person's mail."""
    auto_submitted = header_text(msg, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return f"auto-submitted ({auto_submitted.split(';')[0].strip()})"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if msg.get(name) is not None:
            return f"auto-reply ({name})"
    precedence = header_text(msg, "Precedence").lower()
    if precedence in _BULK_PRECEDENCE:
        return f"bulk mail (Precedence: {precedence})"
    return_path = header_text(msg, "Return-Path")
    if msg.get("Return-Path") is not None and return_path.replace(" ", "") in ("<>", ""):
        return "bounce (empty Return-Path)"
    if _DAEMON.match(sender):
        return "bounce (mailer-daemon sender)"
    if msg.get_content_type() == "multipart/report":
        return "bounce (delivery report)"
    return None


_STRUCTURE_DEFECTS = (errors.StartBoundaryNotFoundDefect, errors.MultipartInvariantViolationDefect)


def _structure_defects(msg: EmailMessage) -> str:
    for part in msg.walk():
        for defect in part.defects:
            if isinstance(defect, _STRUCTURE_DEFECTS):
                return type(defect).__name__
    return ""


def read(raw: bytes) -> Parsed:
    """Everything intake needs from a raw message; Unparseable when there is no sense in it."""
    try:
        msg = parse(raw)
    except Exception as exc:
        raise Unparseable(f"cannot parse the message: {exc}") from exc
    if not msg.keys():
        raise Unparseable("no headers: this is not an email message")
    broken = _structure_defects(msg)
    if broken:
        # Its parts cannot be told apart (text from files): an admin looks at it rather than a guess.
        raise Unparseable(f"broken MIME structure: {broken}")
    sender_name, sender_email = parseaddr(header_text(msg, "From"))
    if "@" not in sender_email:
        sender_name, sender_email = parseaddr(header_text(msg, "Sender"))
    if "@" not in sender_email:
        raise Unparseable("no sender address in From")
    try:
        text, from_html = _body(msg)
        body_part = msg.get_body(preferencelist=("plain", "html"))
        files = _files(msg, body_part)
    except Exception as exc:
        raise Unparseable(f"cannot read the body: {type(exc).__name__}: {exc}") from exc
    ids = message_ids(header_text(msg, "Message-ID"))
    return Parsed(
        message_id=ids[0] if ids else "",
        sender_email=sender_email.strip().lower(),
        sender_name=_clean(sender_name.strip()),
        subject=header_text(msg, "Subject"),
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        in_reply_to=message_ids(header_text(msg, "In-Reply-To")),
        references=message_ids(header_text(msg, "References")),
        text=text,
        from_html=from_html,
        files=files,
        auto_reason=auto_reason(msg, sender_email.strip().lower()),
    )


def new_text(text: str) -> str:
    """A reply without the quoted history and signature (mail-parser-reply); the whole text when
    cutting would leave nothing."""
    try:
        message = _reply_parser.read(text)
        latest = message.replies[0].body if message.replies else ""
    except Exception:  # the parser's regexes on odd text: better too much than nothing
        latest = ""
    return latest.strip() or text.strip()
