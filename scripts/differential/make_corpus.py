#!/usr/bin/env python3
"""Differential corpus of HTTP/1.1 request byte strings, with the verdicts of h11 and llhttp.

    scripts/differential/make_corpus.py           regenerate Tests/HTTP1Tests/Differential/corpus.json
    scripts/differential/make_corpus.py --check   exit 1 if regenerating would change that file
                                                  (prints SKIPPED and exits 0 when h11/httptools
                                                  cannot be installed: no pip, no venv, no PyPI)
    scripts/differential/make_corpus.py --list    print id and description of every entry

The corpus holds the request-smuggling shapes of RFC 9112 sections 6 and 7 and mutations of them:
whitespace around the colon, header-name case, obs-fold, duplicate and conflicting framing fields,
bare CR and bare LF at every position of two reference requests, NUL and control bytes, odd
Content-Length values and chunk sizes, chunk extensions, trailers, HTTP versions, request-line
spacing, target forms, Host rules, pipelines where a second request appears under one reading of
the framing only, and a seeded set of random byte mutations. Everything is deterministic.

Each entry records two verdicts, computed here by the real libraries:
  h11       h11.Connection(h11.SERVER), pinned below; a minimal 200 response after each request
            lets it start the next cycle.
  llhttp    httptools' HttpRequestParser (llhttp inside), default strictness (no leniency set).
A verdict is {"error": true}, or {"messages": [...], "incomplete": bool} where each message is
{"method", "target", "body"} (method and target as Latin-1 text, one character per byte; body
base64) and "incomplete" says that bytes after the last complete message were left unparsed or
formed an unfinished message. Parsing stops after a message that does not keep the connection
alive (HTTP/1.0 without keep-alive, `Connection: close`): a server closes there, and any bytes
after it count as incomplete. A verdict may carry "upgrade": true when the library stopped at a
protocol switch (CONNECT, or Upgrade for llhttp) and handed the rest of the stream elsewhere.

h11 and httptools (pinned in PINS) are installed with pip into a virtual environment the script
creates under .build-diff/venv (git-ignored; SWIFTASGI_DIFFERENTIAL_VENV names another folder); the
script then re-runs itself with that interpreter. Nothing goes into the user site.
"""
import base64
import json
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "Tests", "HTTP1Tests", "Differential", "corpus.json")
# Where h11 and httptools are installed; SWIFTASGI_DIFFERENTIAL_VENV moves it (a CI cache, say).
VENV = os.environ.get("SWIFTASGI_DIFFERENTIAL_VENV") or os.path.join(ROOT, ".build-diff", "venv")
PINS = ["h11==0.16.0", "httptools==0.9.0"]
SEED = 9112
IN_VENV = "SWIFTASGI_DIFFERENTIAL_IN_VENV"


# ---------------------------------------------------------------------------------------------
# Building requests


def b(text):
    """Latin-1 bytes of a str: every character below 256 is one byte."""
    return text.encode("latin-1")


def head(request_line, fields, eol=b"\r\n"):
    """A request head: the request line, each field line, the blank line (all ending in eol)."""
    out = b(request_line) + eol
    for field in fields:
        out += (b(field) if isinstance(field, str) else field) + eol
    return out + eol


def chunked(*pieces, last=b"0\r\n\r\n"):
    """A chunked body: each piece as one chunk with a lower-case hex size, then the last chunk."""
    out = b""
    for piece in pieces:
        out += b("%x" % len(piece)) + b"\r\n" + piece + b"\r\n"
    return out + last


HOST = "Host: a.example"
SMUGGLED = head("GET /smuggled HTTP/1.1", [HOST])
GET = head("GET / HTTP/1.1", [HOST])


class Corpus:
    """Entries in generation order; ids are category-NNN, numbered within each category."""

    def __init__(self):
        self.entries = []
        self.counts = {}
        self.seen = set()

    def add(self, category, description, data):
        if data in self.seen:
            return  # the same bytes once only, under the first description that made them
        self.seen.add(data)
        n = self.counts.get(category, 0) + 1
        self.counts[category] = n
        self.entries.append({"id": "%s-%03d" % (category, n), "description": description, "data": data})


def baseline(c):
    c.add("base", "simple GET", GET)
    c.add("base", "GET with query", head("GET /p/q?x=1&y=2 HTTP/1.1", [HOST]))
    c.add("base", "HEAD", head("HEAD / HTTP/1.1", [HOST]))
    c.add("base", "DELETE", head("DELETE /r HTTP/1.1", [HOST]))
    c.add("base", "POST with Content-Length", head("POST /f HTTP/1.1", [HOST, "Content-Length: 5"]) + b"hello")
    c.add("base", "POST with Content-Length 0", head("POST /f HTTP/1.1", [HOST, "Content-Length: 0"]))
    c.add("base", "PUT chunked, two chunks", head("PUT /f HTTP/1.1", [HOST, "Transfer-Encoding: chunked"])
          + chunked(b"hello", b" world"))
    c.add("base", "chunked, empty body", head("POST / HTTP/1.1", [HOST, "Transfer-Encoding: chunked"]) + b"0\r\n\r\n")
    c.add("base", "HTTP/1.0 without Host", head("GET / HTTP/1.0", []))
    c.add("base", "HTTP/1.0 keep-alive then GET", head("GET / HTTP/1.0", ["Connection: keep-alive"]) + GET)
    c.add("base", "two pipelined GETs", GET + head("GET /2 HTTP/1.1", [HOST]))
    c.add("base", "POST then GET pipelined", head("POST / HTTP/1.1", [HOST, "Content-Length: 3"]) + b"abc" + GET)
    c.add("base", "many fields", head("GET / HTTP/1.1", [HOST, "Accept: */*", "User-Agent: t/1", "Cookie: a=b; c=d",
                                                          "X-Empty:", "X-Tab:\tv"]))
    c.add("base", "head cut short", b"GET / HTTP/1.1\r\nHost: a.ex")
    c.add("base", "body cut short", head("POST / HTTP/1.1", [HOST, "Content-Length: 10"]) + b"hello")
    c.add("base", "chunked body cut short", head("POST / HTTP/1.1", [HOST, "Transfer-Encoding: chunked"]) + b"5\r\nhel")
    c.add("base", "complete request then a partial one", GET + b"GET /2 HTT")
    c.add("base", "Connection: close then a second request", head("GET / HTTP/1.1", [HOST, "Connection: close"]) + GET)
    c.add("base", "Expect: 100-continue", head("POST / HTTP/1.1", [HOST, "Expect: 100-continue", "Content-Length: 2"]) + b"hi")
    c.add("base", "percent-encoded path", head("GET /a%20b/%2F HTTP/1.1", [HOST]))
    c.add("base", "visible punctuation in target", head("GET /a!$&'()*+,;=:@-._~ HTTP/1.1", [HOST]))
    c.add("base", "obs-text in a field value", head("GET / HTTP/1.1", [HOST, "X: caf\xe9"]))
    c.add("base", "every token character in a field name", head("GET / HTTP/1.1", [HOST, "!#$%&'*+-.^_`|~09AZaz: v"]))


def whitespace(c):
    """SP/HTAB before and after the colon, inside and after values, for framing and plain fields."""
    # (name, value, method, what follows the head): a Connection field is followed by a second
    # request, so that whether the connection stays open shows.
    fields = [("Content-Length", "5", "POST", b"hello"), ("Transfer-Encoding", "chunked", "POST", chunked(b"hello")),
              ("Host", "a.example", "GET", b""), ("X-Custom", "v", "GET", b""), ("Connection", "close", "GET", GET)]
    for name, value, method, body in fields:
        others = [] if name == "Host" else [HOST]
        for label, line in [
            ("SP before colon", name + " : " + value),
            ("HTAB before colon", name + "\t: " + value),
            ("two SP before colon", name + "  :" + value),
            ("no space after colon", name + ":" + value),
            ("HTAB after colon", name + ":\t" + value),
            ("several SP/HTAB after colon", name + ": \t \t" + value),
            ("trailing SP", name + ": " + value + " "),
            ("trailing HTAB", name + ": " + value + "\t"),
            ("trailing SP and HTAB", name + ": " + value + " \t "),
            ("SP inside the value", name + ": " + value[:1] + " " + value[1:]),
            ("VT after colon", name + ":\x0b" + value),
            ("FF after colon", name + ":\x0c" + value),
            ("SP at the start of the name", " " + name + ": " + value),
        ]:
            c.add("ws", "%s: %s" % (name, label), head(method + " / HTTP/1.1", others + [line]) + body)
    for value in ["keep-alive\t", "keep-alive ", "\tkeep-alive"]:
        c.add("ws", "HTTP/1.0 Connection %r, then a request" % value,
              head("GET / HTTP/1.0", ["Connection: " + value]) + GET)
    c.add("ws", "Upgrade request, Connection 'upgrade\t'",
          head("GET / HTTP/1.1", [HOST, "Connection: upgrade\t", "Upgrade: websocket"]) + GET)


def name_case(c):
    for name in ["content-length", "CONTENT-LENGTH", "Content-length", "cOnTeNt-LeNgTh"]:
        c.add("case", "Content-Length spelled " + name,
              head("POST / HTTP/1.1", [HOST, name + ": 5"]) + b"helloGET")
    for name in ["transfer-encoding", "TRANSFER-ENCODING", "Transfer-encoding", "tRaNsFeR-eNcOdInG"]:
        c.add("case", "Transfer-Encoding spelled " + name,
              head("POST / HTTP/1.1", [HOST, name + ": chunked"]) + chunked(b"hello"))
    for value in ["CHUNKED", "Chunked", "cHuNkEd"]:
        c.add("case", "Transfer-Encoding value " + value,
              head("POST / HTTP/1.1", [HOST, "Transfer-Encoding: " + value]) + chunked(b"hello"))
    for name in ["host", "HOST", "hOsT"]:
        c.add("case", "Host spelled " + name, head("GET / HTTP/1.1", [name + ": a.example"]))
    for name in ["connection", "CONNECTION"]:
        c.add("case", "Connection: CLOSE spelled " + name,
              head("GET / HTTP/1.1", [HOST, name + ": CLOSE"]) + GET)
    c.add("case", "Content-Length twice, different case",
          head("POST / HTTP/1.1", [HOST, "Content-Length: 5", "content-length: 5"]) + b"hello")
    c.add("case", "Host twice, different case", head("GET / HTTP/1.1", [HOST, "host: a.example"]))


def obs_fold(c):
    for fold in [" ", "\t", "  ", " \t"]:
        show = repr(fold)
        c.add("fold", "obs-fold %s of a plain field" % show,
              head("GET / HTTP/1.1", [HOST, "X: a", fold + "b"]))
        c.add("fold", "obs-fold %s of Transfer-Encoding" % show,
              head("POST / HTTP/1.1", [HOST, "Transfer-Encoding:", fold + "chunked"]) + chunked(b"hello"))
        c.add("fold", "obs-fold %s of Content-Length" % show,
              head("POST / HTTP/1.1", [HOST, "Content-Length:", fold + "5"]) + b"hello")
        c.add("fold", "obs-fold %s of Host" % show, head("GET / HTTP/1.1", ["Host:", fold + "a.example"]))
    c.add("fold", "field line starting with SP right after the request line",
          head("GET / HTTP/1.1", [" " + HOST]))
    c.add("fold", "obs-fold turning chunked into a second token",
          head("POST / HTTP/1.1", [HOST, "Transfer-Encoding: gzip", " chunked"]) + chunked(b"hello"))
    c.add("fold", "obs-fold after Content-Length, chunked framing follows",
          head("POST / HTTP/1.1", [HOST, "Content-Length: 5", " Transfer-Encoding: chunked"]) + chunked(b"hello"))
    c.add("fold", "empty continuation line", head("GET / HTTP/1.1", [HOST, "X: a", " "]))
    c.add("fold", "obs-fold in a trailer",
          head("POST / HTTP/1.1", [HOST, "Transfer-Encoding: chunked"]) + b"0\r\nX: a\r\n b\r\n\r\n")


def content_length(c):
    """Duplicate Content-Length fields and odd values."""
    for label, values, body in [
        ("CL twice, same", ["5", "5"], b"hello"),
        ("CL twice, different", ["5", "6"], b"hello!"),
        ("CL twice, 0 then 5", ["0", "5"], b"hello"),
        ("CL three times, same", ["3", "3", "3"], b"abc"),
    ]:
        c.add("cl", label, head("POST / HTTP/1.1", [HOST] + ["Content-Length: " + v for v in values]) + body + GET)
    for value in ["5, 5", "5,5", "5 ,5", "5, 6", "5,", ",5", "5 5", "5\t5",
                  "+5", "-5", "-0", "0x5", "0X5", "05", "005", "0000000000000000000000005", "5.0", "5e0", "1e1",
                  "a", "A", "", " ", "\t", "\u00bd",
                  "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
                  "99999999999999999999999999999",
                  "5;q=1", "\"5\"", "5abc", "0005 "]:
        c.add("cl", "Content-Length %r" % value,
              head("POST / HTTP/1.1", [HOST, "Content-Length: " + value]) + b"hello" + GET)
    c.add("cl", "Content-Length on GET with a body holding a request",
          head("GET / HTTP/1.1", [HOST, "Content-Length: %d" % len(SMUGGLED)]) + SMUGGLED)
    c.add("cl", "Content-Length shorter than the body, body looks like a request",
          head("POST / HTTP/1.1", [HOST, "Content-Length: 4"]) + b"abcdGET /smuggled HTTP/1.1\r\nHost: a.example\r\n\r\n")
    c.add("cl", "Content-Length 0 then a request",
          head("POST / HTTP/1.1", [HOST, "Content-Length: 0"]) + SMUGGLED)
    c.add("cl", "body then stray CRLF", head("POST / HTTP/1.1", [HOST, "Content-Length: 5"]) + b"hello\r\n")
    c.add("cl", "body then stray CRLF then a request",
          head("POST / HTTP/1.1", [HOST, "Content-Length: 5"]) + b"hello\r\n" + GET)
    c.add("cl", "Content-Length in HTTP/1.0", head("POST / HTTP/1.0", ["Content-Length: 5"]) + b"hello")
    c.add("cl", "large Content-Length with a short body",
          head("POST / HTTP/1.1", [HOST, "Content-Length: 1000000000"]) + b"hello")


TE_VALUES = ["chunked", "chunked,identity", "chunked, identity", "identity, chunked", "identity,chunked",
             "gzip, chunked", "gzip,chunked", "chunked, gzip", "chunked, chunked", "chunked,", ",chunked",
             "chunked ", " chunked", "chunked\t", "xchunked", "chunkedx", "chunk", "\"chunked\"", "'chunked'",
             "chunked;q=1", "chunked; x=y", "identity", "gzip", "deflate", "compress", "", "  ", "x-chunked",
             "chunked\x0b", "ch unked", "chunked, \"chunked\"", "\u00e7hunked", "cHuNkEd, gzip"]


def transfer_encoding(c):
    """Transfer-Encoding values, and TE combined with Content-Length or a second TE (RFC 9112 6.1, 6.3)."""
    body = chunked(b"hello") + SMUGGLED
    for value in TE_VALUES:
        c.add("te", "TE %r" % value, head("POST / HTTP/1.1", [HOST, "Transfer-Encoding: " + value]) + body)
    pairs = [("chunked", "chunked"), ("chunked", "identity"), ("identity", "chunked"), ("gzip", "chunked"),
             ("chunked", "gzip"), ("chunked", ""), ("", "chunked"), ("chunked", "xchunked"), ("xchunked", "chunked")]
    for first, second in pairs:
        c.add("te", "TE %r then TE %r" % (first, second),
              head("POST / HTTP/1.1", [HOST, "Transfer-Encoding: " + first, "Transfer-Encoding: " + second]) + body)
    for version in ["1.0", "1.1"]:
        hosts = [HOST] if version == "1.1" else []
        c.add("te", "TE chunked in HTTP/%s" % version,
              head("POST / HTTP/%s" % version, hosts + ["Transfer-Encoding: chunked"]) + chunked(b"hello"))


def cl_te(c):
    """Content-Length together with Transfer-Encoding: the CL.TE and TE.CL shapes (RFC 9112 6.3)."""
    te_body = chunked(b"hello")
    # Content-Length counts the chunked body exactly, so both readings end at the same byte.
    exact = len(te_body)
    for te in ["chunked", "xchunked", "chunked ", "identity, chunked", "gzip, chunked", "CHUNKED", "\"chunked\""]:
        for order in ["CL first", "TE first"]:
            cl_line = "Content-Length: %d" % exact
            te_line = "Transfer-Encoding: " + te
            fields = [HOST, cl_line, te_line] if order == "CL first" else [HOST, te_line, cl_line]
            c.add("clte", "CL exact + TE %r, %s" % (te, order), head("POST / HTTP/1.1", fields) + te_body)
    # CL.TE: a front end honouring CL forwards "0\r\n\r\nGET /smuggled", a back end honouring TE ends
    # the body at the last chunk and sees the smuggled request.
    clte = b"0\r\n\r\n" + SMUGGLED
    for te in ["chunked", " chunked", "chunked\t", "xchunked", "chunked, identity"]:
        c.add("clte", "CL.TE smuggle with TE %r" % te,
              head("POST / HTTP/1.1", [HOST, "Content-Length: %d" % len(clte), "Transfer-Encoding: " + te]) + clte)
    # TE.CL: a front end honouring TE forwards the whole chunk; a back end honouring CL reads 4 bytes
    # and takes the chunk's content for a request.
    inner = SMUGGLED
    tecl = b("%x" % len(inner)) + b"\r\n" + inner + b"\r\n0\r\n\r\n"
    for te in ["chunked", "Chunked", "chunked ", "identity, chunked"]:
        c.add("clte", "TE.CL smuggle with TE %r" % te,
              head("POST / HTTP/1.1", [HOST, "Transfer-Encoding: " + te, "Content-Length: 4"]) + tecl)
    c.add("clte", "CL + TE in HTTP/1.0",
          head("POST / HTTP/1.0", ["Content-Length: %d" % exact, "Transfer-Encoding: chunked"]) + te_body)
    c.add("clte", "CL 0 + TE chunked", head("POST / HTTP/1.1", [HOST, "Content-Length: 0",
                                                                 "Transfer-Encoding: chunked"]) + te_body)


def mutated_framing(c):
    """The framing field of smuggling shapes mutated the ways parsers are known to disagree on."""
    mutations = [
        ("SP before colon", lambda n, v: b(n + " : " + v)),
        ("HTAB before colon", lambda n, v: b(n + "\t: " + v)),
        ("no SP after colon", lambda n, v: b(n + ":" + v)),
        ("name upper-cased", lambda n, v: b(n.upper() + ": " + v)),
        ("leading SP (continuation)", lambda n, v: b(" " + n + ": " + v)),
        ("obs-fold before value", lambda n, v: b(n + ":\r\n " + v)),
        ("bare LF ending the line", lambda n, v: b(n + ": " + v) + b"\n" + b("X-After: 1")),
        ("bare CR ending the line", lambda n, v: b(n + ": " + v) + b"\r" + b("X-After: 1")),
        ("NUL before value", lambda n, v: b(n + ": \x00" + v)),
        ("VT before value", lambda n, v: b(n + ": \x0b" + v)),
        ("value quoted", lambda n, v: b(n + ": \"" + v + "\"")),
        ("name with trailing dash", lambda n, v: b(n + "-: " + v)),
        ("name with underscore", lambda n, v: b(n.replace("-", "_") + ": " + v)),
        ("obs-text in name", lambda n, v: b(n + "\xff: " + v)),
    ]
    cl_body = b"hello"
    for label, mutate in mutations:
        # Content-Length ignored by one parser: the body is read as the next request.
        c.add("mut", "CL %s, body holds a request" % label,
              head("POST / HTTP/1.1", [HOST, mutate("Content-Length", "%d" % len(SMUGGLED))]) + SMUGGLED)
        # Transfer-Encoding ignored by one parser while Content-Length frames the body.
        body = b"0\r\n\r\n" + SMUGGLED
        c.add("mut", "TE %s with CL, CL.TE smuggle" % label,
              head("POST / HTTP/1.1", [HOST, "Content-Length: %d" % len(body),
                                       mutate("Transfer-Encoding", "chunked")]) + body)
        c.add("mut", "TE %s alone" % label,
              head("POST / HTTP/1.1", [HOST, mutate("Transfer-Encoding", "chunked")]) + chunked(cl_body) + GET)


def bare_cr_lf(c):
    """Every CRLF replaced by a bare LF or a bare CR, and a bare CR or LF inserted at every position
    of the head (and of the chunked framing) of two reference requests."""
    references = [
        ("cl", head("POST /p HTTP/1.1", [HOST, "Content-Length: 3"]), b"abc"),
        ("te", head("POST /p HTTP/1.1", [HOST, "Transfer-Encoding: chunked"]), b"3\r\nabc\r\n0\r\n\r\n"),
    ]
    for name, h, body in references:
        data = h + body
        crlfs = [i for i in range(len(data) - 1) if data[i:i + 2] == b"\r\n"]
        for i in crlfs:
            c.add("crlf", "%s reference: CRLF at %d as bare LF" % (name, i), data[:i] + b"\n" + data[i + 2:])
            c.add("crlf", "%s reference: CRLF at %d as bare CR" % (name, i), data[:i] + b"\r" + data[i + 1 + 1:])
            c.add("crlf", "%s reference: CRLF at %d as LF CR" % (name, i), data[:i] + b"\n\r" + data[i + 2:])
        c.add("crlf", "%s reference: every CRLF as LF" % name, data.replace(b"\r\n", b"\n"))
        # Insertions at every position of the head, and of the body when it is chunked framing.
        end = len(data) if name == "te" else len(h)
        for i in range(end + 1):
            for byte, label in [(b"\r", "CR"), (b"\n", "LF")]:
                c.add("crlf", "%s reference: bare %s inserted at %d" % (name, label, i), data[:i] + byte + data[i:])


def control_bytes(c):
    """NUL, C0 controls, DEL and bytes over 0x7F in each part of a request."""
    positions = [
        ("method", lambda x: b"G" + x + b"ET / HTTP/1.1\r\nHost: a.example\r\n\r\n"),
        ("target", lambda x: b"GET /a" + x + b"b HTTP/1.1\r\nHost: a.example\r\n\r\n"),
        ("version", lambda x: b"GET / HTTP/1.1" + x + b"\r\nHost: a.example\r\n\r\n"),
        ("field name", lambda x: b"GET / HTTP/1.1\r\nHost: a.example\r\nX" + x + b"Y: v\r\n\r\n"),
        ("field value start", lambda x: b"GET / HTTP/1.1\r\nHost: a.example\r\nX: " + x + b"v\r\n\r\n"),
        ("field value middle", lambda x: b"GET / HTTP/1.1\r\nHost: a.example\r\nX: a" + x + b"b\r\n\r\n"),
        ("field value end", lambda x: b"GET / HTTP/1.1\r\nHost: a.example\r\nX: v" + x + b"\r\n\r\n"),
        ("chunk extension", lambda x: b"POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n"
                                      b"3;e=" + x + b"\r\nabc\r\n0\r\n\r\n"),
    ]
    for byte in [0x00, 0x01, 0x08, 0x0b, 0x0c, 0x1b, 0x7f, 0x80, 0xff]:
        for label, build in positions:
            c.add("ctl", "byte 0x%02x in %s" % (byte, label), build(bytes([byte])))


CHUNK_HEAD = head("POST / HTTP/1.1", [HOST, "Transfer-Encoding: chunked"])


def chunk_sizes(c):
    """Chunk-size lines (RFC 9112 7.1): hex forms, signs, whitespace, extensions, overflow."""
    five = b"hello"
    for size in ["5", "05", "0005", "00000000000000000000005", "0x5", "0X5", "+5", "-5", " 5", "5 ", "5\t", "5  ",
                 "5 \t", "\t5", "5 5", "5_", "5g", "", " ", "x", "5.0", "5\x00", "ffffffffffffffff", "fffffffffffffffff5",
                 "10000000000000000", "7fffffffffffffff", "8000000000000000"]:
        c.add("chunk", "chunk size %r" % size, CHUNK_HEAD + b(size) + b"\r\n" + five + b"\r\n0\r\n\r\n")
    ten = b"0123456789"
    for size in ["a", "A", "0a", "0A", "00A"]:
        c.add("chunk", "chunk size %r (ten)" % size, CHUNK_HEAD + b(size) + b"\r\n" + ten + b"\r\n0\r\n\r\n")
    for ext in [";e", ";e=v", ";e=\"v\"", ";e=\"a;b\"", ";e=\"a\\\"b\"", "; e=v", " ;e=v", ";e =v", ";e= v",
                ";", ";=v", ";e=", ";e=v;f=w", ";e=\"unterminated", ";e=v w", ";e=\"\"", ";e=\xe9",
                ";" + "e" * 5000]:
        c.add("chunk", "chunk extension %r" % ext[:40], CHUNK_HEAD + b"5" + b(ext) + b"\r\n" + five + b"\r\n0\r\n\r\n")
    for last in ["00", "000", "0;e=v", "0 ", "0x0", "-0", "+0"]:
        c.add("chunk", "last chunk %r" % last, CHUNK_HEAD + b"5\r\nhello\r\n" + b(last) + b"\r\n\r\n")
    c.add("chunk", "chunk data longer than its size", CHUNK_HEAD + b"3\r\nhello\r\n0\r\n\r\n")
    c.add("chunk", "chunk data shorter than its size", CHUNK_HEAD + b"7\r\nhello\r\n0\r\n\r\n" + GET)
    c.add("chunk", "chunk data without CRLF", CHUNK_HEAD + b"5\r\nhello0\r\n\r\n")
    c.add("chunk", "chunk data ending in bare LF", CHUNK_HEAD + b"5\r\nhello\n0\r\n\r\n")
    c.add("chunk", "chunk data ending in two other bytes", CHUNK_HEAD + b"5\r\nhelloXX0\r\n\r\n")
    c.add("chunk", "no final CRLF after the last chunk", CHUNK_HEAD + b"5\r\nhello\r\n0\r\n")
    c.add("chunk", "last chunk then a request", CHUNK_HEAD + b"0\r\n\r\n" + GET)
    c.add("chunk", "smuggled request after a short last chunk line", CHUNK_HEAD + b"0\r\n" + GET)
    c.add("chunk", "many one-byte chunks", CHUNK_HEAD + chunked(*[bytes([x]) for x in b"abcdefghij"]))


def trailers(c):
    """Trailer sections (RFC 9112 7.1.2): valid, framing-looking, malformed."""
    body = b"5\r\nhello\r\n0\r\n"
    for label, section in [
        ("one trailer", b"X-T: v\r\n\r\n"),
        ("two trailers", b"X-T: v\r\nY: w\r\n\r\n"),
        ("Content-Length trailer", b"Content-Length: 5\r\n\r\n"),
        ("Transfer-Encoding trailer", b"Transfer-Encoding: chunked\r\n\r\n"),
        ("Host trailer", b"Host: b.example\r\n\r\n"),
        ("trailer without value", b"X-T:\r\n\r\n"),
        ("space before colon", b"X-T : v\r\n\r\n"),
        ("no colon", b"X-T\r\n\r\n"),
        ("empty name", b": v\r\n\r\n"),
        ("NUL in value", b"X-T: a\x00b\r\n\r\n"),
        ("bare LF ending the trailer", b"X-T: v\n\r\n"),
        ("bare LF ending the section", b"X-T: v\r\n\n"),
        ("bare CR in the section", b"X-T: v\r\r\n"),
        ("request line as a trailer", b"GET /smuggled HTTP/1.1\r\n\r\n"),
        ("obs-text in value", b"X-T: caf\xe9\r\n\r\n"),
        ("trailer then a request", b"X-T: v\r\n\r\n" + GET),
    ]:
        c.add("trailer", label, CHUNK_HEAD + body + section)


def versions(c):
    for version in ["HTTP/1.0", "HTTP/1.1", "HTTP/1.2", "HTTP/1.9", "HTTP/2.0", "HTTP/0.9", "HTTP/3.0", "HTTP/9.9",
                    "http/1.1", "Http/1.1", "HTTP/1", "HTTP/1.", "HTTP/1.10", "HTTP/01.1", "HTTP/1.01", "HTTP/1.1x",
                    "HTTPS/1.1", "HTTP /1.1", "HTTP/ 1.1", "HTTP/1 .1", "HTTP/a.b", "HTTP/1,1", "HTTP/\u00b9.1", ""]:
        line = "GET / " + version if version else "GET /"
        c.add("version", "version %r" % version, head(line, [HOST]))
    c.add("version", "HTTP/0.9 simple request", b"GET /\r\n")
    c.add("version", "HTTP/1.2 with chunked body",
          head("POST / HTTP/1.2", [HOST, "Transfer-Encoding: chunked"]) + chunked(b"hello"))


def request_line(c):
    for label, line in [
        ("two SP after method", "GET  / HTTP/1.1"),
        ("two SP before version", "GET /  HTTP/1.1"),
        ("HTAB after method", "GET\t/ HTTP/1.1"),
        ("HTAB before version", "GET /\tHTTP/1.1"),
        ("leading SP", " GET / HTTP/1.1"),
        ("leading HTAB", "\tGET / HTTP/1.1"),
        ("trailing SP", "GET / HTTP/1.1 "),
        ("trailing HTAB", "GET / HTTP/1.1\t"),
        ("no target", "GET HTTP/1.1"),
        ("empty target", "GET  HTTP/1.1"),
        ("three words in target", "GET /a b HTTP/1.1"),
        ("lower-case method", "get / HTTP/1.1"),
        ("mixed-case method", "Get / HTTP/1.1"),
        ("unknown method", "FOO / HTTP/1.1"),
        ("extension method with a dash", "X-METHOD / HTTP/1.1"),
        ("method with a non-token byte", "GE(T / HTTP/1.1"),
        ("long method", "A" * 40 + " / HTTP/1.1"),
        ("PROPFIND", "PROPFIND / HTTP/1.1"),
        ("PATCH", "PATCH / HTTP/1.1"),
        ("TRACE", "TRACE / HTTP/1.1"),
        ("PRI", "PRI * HTTP/1.1"),
    ]:
        c.add("line", label, head(line, [HOST]))
    c.add("line", "one leading CRLF", b"\r\n" + GET)
    c.add("line", "two leading CRLFs", b"\r\n\r\n" + GET)
    c.add("line", "leading bare LF", b"\n" + GET)
    c.add("line", "leading SP line", b" \r\n" + GET)
    c.add("line", "request line only, no blank line", b"GET / HTTP/1.1\r\n")
    c.add("line", "request line then blank line, HTTP/1.0", b"GET / HTTP/1.0\r\n\r\n")


def targets(c):
    for label, method, target in [
        ("absolute-form", "GET", "http://a.example/x"),
        ("absolute-form with query", "GET", "http://a.example/x?q=1"),
        ("absolute-form with port", "GET", "http://a.example:8080/x"),
        ("absolute-form without path", "GET", "http://a.example"),
        ("absolute-form, query without path", "GET", "http://a.example?q"),
        ("absolute-form https", "GET", "https://a.example/x"),
        ("absolute-form upper-case scheme", "GET", "HTTP://a.example/x"),
        ("absolute-form with user information", "GET", "http://u:p@a.example/x"),
        ("absolute-form with another scheme", "GET", "ftp://a.example/x"),
        ("absolute-form with empty authority", "GET", "http:///x"),
        ("absolute-form with IPv6 host", "GET", "http://[::1]:8080/x"),
        ("absolute-form with a bad port", "GET", "http://a.example:x/"),
        ("absolute-form with a fragment", "GET", "http://a.example/x#f"),
        ("scheme without slashes", "GET", "http:a.example"),
        ("authority-form with GET", "GET", "a.example:80"),
        ("asterisk-form with OPTIONS", "OPTIONS", "*"),
        ("asterisk-form with GET", "GET", "*"),
        ("asterisk then path", "OPTIONS", "*/x"),
        ("relative path", "GET", "x/y"),
        ("fragment", "GET", "/x#frag"),
        ("empty query", "GET", "/x?"),
        ("double slash", "GET", "//x"),
        ("query with slashes and question marks", "GET", "/x?a/b?c"),
        ("percent escape left bad", "GET", "/%zz"),
        ("backslash", "GET", "/a\\b"),
        ("braces and pipes", "GET", "/{a}|^`"),
        ("double quote", "GET", "/\"x\""),
        ("angle brackets", "GET", "/<x>"),
        ("raw non-ASCII", "GET", "/caf\xe9"),
    ]:
        c.add("target", label, head("%s %s HTTP/1.1" % (method, target), [HOST]))
    c.add("target", "absolute-form without Host", head("GET http://a.example/x HTTP/1.1", []))
    c.add("target", "absolute-form with a different Host", head("GET http://a.example/x HTTP/1.1", ["Host: b.example"]))
    c.add("target", "absolute-form with empty Host", head("GET http://a.example/x HTTP/1.1", ["Host:"]))
    c.add("target", "CONNECT authority-form", head("CONNECT a.example:443 HTTP/1.1", ["Host: a.example:443"]))
    c.add("target", "CONNECT then bytes", head("CONNECT a.example:443 HTTP/1.1", ["Host: a.example:443"]) + b"\x16\x03\x01")


def host(c):
    """Host rules of RFC 9112 3.2 and RFC 9110 7.2: exactly one, a valid uri-host [":" port]."""
    c.add("host", "HTTP/1.1 without Host", head("GET / HTTP/1.1", []))
    c.add("host", "HTTP/1.1 without Host, other fields", head("GET / HTTP/1.1", ["X-Host: a.example"]))
    c.add("host", "HTTP/1.0 without Host", head("GET / HTTP/1.0", ["X: y"]))
    c.add("host", "HTTP/1.1 POST without Host", head("POST / HTTP/1.1", ["Content-Length: 2"]) + b"hi")
    c.add("host", "two Host fields, same", head("GET / HTTP/1.1", [HOST, HOST]))
    c.add("host", "two Host fields, different", head("GET / HTTP/1.1", [HOST, "Host: b.example"]))
    c.add("host", "two Host fields in HTTP/1.0", head("GET / HTTP/1.0", [HOST, "Host: b.example"]))
    c.add("host", "Host, empty second", head("GET / HTTP/1.1", [HOST, "Host:"]))
    c.add("host", "two Host fields around another", head("GET / HTTP/1.1", [HOST, "X: y", HOST]))
    for value in ["", " ", "a.example:8080", "a.example:0", "a.example:65535", "a.example:65536", "a.example:",
                  "a.example:080", "a.example:123456", "a.example:-1", "a.example:8080:1", "a.example: 80",
                  "127.0.0.1", "127.0.0.1:80", "999.999.999.999", "[::1]", "[::1]:8080", "[::1", "::1", "[]",
                  "[::1]x", "[v1.x]", "[::1]:", "user@a.example", "a.example/x", "a.example?x", "a.example#x",
                  "a b", "a,b", "a.example, b.example", "a%2Eexample", "a%2", "a_b.example", "a.example.",
                  "-a.example", "a\xe9.example", "a\\b", "a\"b", "A.EXAMPLE", "localhost", "a;b=c"]:
        c.add("host", "Host %r" % value, head("GET / HTTP/1.1", ["Host: " + value]))
    c.add("host", "Host with a tab before the value", head("GET / HTTP/1.1", ["Host:\ta.example"]))
    c.add("host", "valid request, then a second request without Host", GET + head("GET /2 HTTP/1.1", []))


def pipelines(c):
    """Two requests in one stream, including ones where the second appears under one reading only."""
    post = lambda fields, body: head("POST / HTTP/1.1", [HOST] + fields) + body
    c.add("pipe", "GET then GET", GET + SMUGGLED)
    c.add("pipe", "chunked POST then GET", post(["Transfer-Encoding: chunked"], chunked(b"hello")) + SMUGGLED)
    c.add("pipe", "empty chunked body, then a request",
          post(["Transfer-Encoding: chunked"], b"0\r\n\r\n" + SMUGGLED))
    c.add("pipe", "GET with a chunked body holding a request",
          head("GET / HTTP/1.1", [HOST, "Transfer-Encoding: chunked"]) + chunked(SMUGGLED) + GET)
    c.add("pipe", "HEAD with Content-Length and a body",
          head("HEAD / HTTP/1.1", [HOST, "Content-Length: %d" % len(SMUGGLED)]) + SMUGGLED)
    c.add("pipe", "HTTP/1.0 request then a second one", head("GET / HTTP/1.0", []) + SMUGGLED)
    c.add("pipe", "HTTP/1.0 keep-alive POST then GET",
          head("POST / HTTP/1.0", ["Connection: keep-alive", "Content-Length: 2"]) + b"hi" + SMUGGLED)
    c.add("pipe", "Connection: close then a request", head("GET / HTTP/1.1", [HOST, "Connection: close"]) + SMUGGLED)
    c.add("pipe", "Connection: keep-alive, close", head("GET / HTTP/1.1", [HOST, "Connection: keep-alive, close"]) + GET)
    c.add("pipe", "Upgrade without a body, then bytes",
          head("GET / HTTP/1.1", [HOST, "Connection: upgrade", "Upgrade: websocket"]) + SMUGGLED)
    c.add("pipe", "Upgrade with a Content-Length body",
          head("POST / HTTP/1.1", [HOST, "Connection: upgrade", "Upgrade: h2c", "Content-Length: 2"]) + b"hi" + GET)
    c.add("pipe", "Upgrade with a chunked body",
          head("POST / HTTP/1.1", [HOST, "Connection: upgrade", "Upgrade: h2c", "Transfer-Encoding: chunked"])
          + chunked(b"hi") + GET)
    c.add("pipe", "Upgrade field without Connection: upgrade",
          head("GET / HTTP/1.1", [HOST, "Upgrade: websocket"]) + SMUGGLED)
    c.add("pipe", "second request has a body", GET + post(["Content-Length: 5"], b"hello"))
    c.add("pipe", "second request invalid (space before colon)", GET + head("GET / HTTP/1.1", ["Host : a.example"]))
    c.add("pipe", "second request uses bare LF", GET + b"GET /2 HTTP/1.1\nHost: a.example\n\n")
    c.add("pipe", "second request cut short", GET + b"GET /2 HTTP/1.1\r\nHo")
    c.add("pipe", "three requests", GET + SMUGGLED + head("GET /3 HTTP/1.1", [HOST]))
    c.add("pipe", "CRLF between two requests", GET + b"\r\n" + SMUGGLED)
    c.add("pipe", "TE.TE: chunked and a disguised second TE",
          post(["Transfer-Encoding: chunked", "Transfer-encoding: cow"], chunked(b"hello") + SMUGGLED))
    c.add("pipe", "TE.TE: disguised first TE",
          post(["Transfer-Encoding: x", "Transfer-Encoding: chunked"], chunked(b"hello") + SMUGGLED))
    c.add("pipe", "CL.CL: 0 and the length of a request",
          post(["Content-Length: 0", "Content-Length: %d" % len(SMUGGLED)], SMUGGLED))
    c.add("pipe", "chunk extension hiding a request",
          post(["Transfer-Encoding: chunked"], b"5;\rGET /smuggled\r\nhello\r\n0\r\n\r\n"))
    c.add("pipe", "chunk size with bare LF, TE.CL style",
          post(["Transfer-Encoding: chunked"], b"5\nhello\r\n0\r\n\r\n" + SMUGGLED))
    c.add("pipe", "body length by Content-Length ends inside a chunk line",
          post(["Content-Length: 3"], b"5\r\nhello\r\n0\r\n\r\n"))


def random_mutations(c):
    """Seeded random edits of valid requests: insert, delete, replace or duplicate bytes."""
    rng = random.Random(SEED)
    templates = [
        head("POST /p?q HTTP/1.1", [HOST, "Content-Length: 5"]) + b"hello" + GET,
        CHUNK_HEAD + b"5;e=v\r\nhello\r\n0\r\nX-T: v\r\n\r\n" + GET,
        head("GET http://a.example/x HTTP/1.1", [HOST, "Connection: keep-alive"]) + GET,
    ]
    interesting = [b"\r", b"\n", b" ", b"\t", b"\x00", b":", b";", b",", b"\"", b"0", b"a", b"\x7f", b"\xff", b"\r\n"]
    made = 0
    while made < 90:
        template = templates[made % len(templates)]
        i = rng.randrange(len(template))
        kind = rng.choice(["insert", "delete", "replace", "duplicate"])
        if kind == "insert":
            piece = rng.choice(interesting)
            data = template[:i] + piece + template[i:]
            label = "insert %r at %d" % (piece, i)
        elif kind == "delete":
            data = template[:i] + template[i + 1:]
            label = "delete byte %d" % i
        elif kind == "replace":
            piece = rng.choice(interesting)
            data = template[:i] + piece + template[i + 1:]
            label = "replace byte %d by %r" % (i, piece)
        else:
            n = rng.randrange(1, 8)
            data = template[:i + n] + template[i:]
            label = "duplicate %d bytes at %d" % (n, i)
        before = len(c.entries)
        c.add("rand", "template %d: %s" % (made % len(templates), label), data)
        if len(c.entries) > before:
            made += 1


def build_corpus():
    c = Corpus()
    for generate in [baseline, whitespace, name_case, obs_fold, content_length, transfer_encoding, cl_te,
                     mutated_framing, bare_cr_lf, control_bytes, chunk_sizes, trailers, versions, request_line,
                     targets, host, pipelines, random_mutations]:
        generate(c)
    return c


# ---------------------------------------------------------------------------------------------
# The peers' verdicts


def text(data):
    return bytes(data).decode("latin-1")


def b64(data):
    return base64.b64encode(bytes(data)).decode("ascii")


def h11_verdict(data):
    """h11 as a server: every event of the whole stream, a minimal 200 after each request."""
    import h11

    conn = h11.Connection(h11.SERVER)
    conn.receive_data(data)
    messages = []
    current = None
    while True:
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError:
            return {"error": True}
        if event is h11.NEED_DATA:
            return {"messages": messages, "incomplete": current is not None or len(conn.trailing_data[0]) > 0}
        if isinstance(event, h11.Request):
            current = {"method": text(event.method), "target": text(event.target), "body": bytearray()}
        elif isinstance(event, h11.Data):
            current["body"] += event.data
        elif isinstance(event, h11.EndOfMessage):
            current["body"] = b64(current["body"])
            messages.append(current)
            current = None
            conn.send(h11.Response(status_code=200, headers=[("Content-Length", "0")]))
            if conn.their_state is h11.SWITCHED_PROTOCOL:
                # CONNECT answered 2xx: the rest of the stream is a tunnel.
                return {"messages": messages, "incomplete": len(conn.trailing_data[0]) > 0, "upgrade": True}
            conn.send(h11.EndOfMessage())
            if conn.our_state is h11.MUST_CLOSE:
                return {"messages": messages, "incomplete": len(conn.trailing_data[0]) > 0}
            conn.start_next_cycle()
        else:
            raise RuntimeError("unexpected h11 event %r" % (event,))


class LLHTTPRun:
    """One httptools request parser over a stream, recording messages and where each one ends."""

    def __init__(self):
        import httptools

        self.parser = httptools.HttpRequestParser(self)
        self.messages = []
        self.current = None
        self.closed = False
        self.last_end = 0

    def on_message_begin(self):
        self.current = {"method": "", "target": bytearray(), "body": bytearray()}

    def on_url(self, url):
        self.current["target"] += url

    def on_headers_complete(self):
        self.current["method"] = text(self.parser.get_method())

    def on_body(self, body):
        self.current["body"] += body

    def on_message_complete(self):
        message = self.current
        self.messages.append({"method": message["method"], "target": text(message["target"]),
                              "body": b64(message["body"])})
        self.current = None
        self.closed = not self.parser.should_keep_alive()


def llhttp_verdict(data):
    """llhttp fed one byte per call, so that the end of each message is known exactly: a message that
    does not keep the connection alive ends the stream there (llhttp itself would refuse any byte
    after it). The whole stream is also fed in one call, and both runs must agree."""
    import httptools

    run = LLHTTPRun()
    verdict = None
    for i in range(len(data)):
        completed = len(run.messages)
        try:
            run.parser.feed_data(data[i:i + 1])
        except httptools.HttpParserUpgrade:
            verdict = {"messages": run.messages, "incomplete": i + 1 < len(data) or run.current is not None,
                       "upgrade": True}
            break
        except httptools.HttpParserError:
            verdict = {"error": True}
            break
        if run.closed:
            verdict = {"messages": run.messages, "incomplete": i + 1 < len(data)}
            break
        if len(run.messages) > completed:
            run.last_end = i + 1  # this byte completed a message
    if verdict is None:
        verdict = {"messages": run.messages, "incomplete": run.current is not None or run.last_end < len(data)}

    whole = LLHTTPRun()
    try:
        whole.parser.feed_data(data)
        agrees = "error" not in verdict and whole.messages == verdict["messages"] and "upgrade" not in verdict
    except httptools.HttpParserUpgrade:
        agrees = verdict.get("upgrade") is True and whole.messages == verdict["messages"]
    except httptools.HttpParserError as error:
        closed = "Connection: close" in str(error) and verdict.get("incomplete") is True
        agrees = "error" in verdict or closed
    if not agrees:
        raise RuntimeError("llhttp disagrees with itself on %r: %r" % (data, verdict))
    return verdict


def record(corpus):
    entries = []
    for entry in corpus.entries:
        entries.append({
            "id": entry["id"],
            "description": entry["description"],
            "bytes": b64(entry["data"]),
            "h11": h11_verdict(entry["data"]),
            "llhttp": llhttp_verdict(entry["data"]),
        })
    return entries


def render(entries):
    """The JSON text: a header object, then one line per entry (diffs stay readable)."""
    import h11
    import httptools

    header = {
        "about": "Differential corpus of HTTP/1.1 request streams with the verdicts of h11 and llhttp "
                 "(httptools, default strictness); made by scripts/differential/make_corpus.py.",
        "seed": SEED,
        "h11": h11.__version__,
        "httptools": httptools.__version__,
        "count": len(entries),
    }
    lines = [json.dumps(entry, sort_keys=False, separators=(",", ":")) for entry in entries]
    head_text = json.dumps(header, indent=1)[:-2]  # drop the closing "\n}"
    return head_text + ',\n "entries": [\n' + ",\n".join(lines) + "\n ]\n}\n"


# ---------------------------------------------------------------------------------------------
# The virtual environment


def venv_python():
    return os.path.join(VENV, "bin", "python")


def ensure_venv():
    """Creates .build-diff/venv with the pinned h11 and httptools; returns None or why it could not."""
    python = venv_python()
    if not os.path.exists(python):
        made = subprocess.run([sys.executable, "-m", "venv", VENV], capture_output=True, text=True)
        if made.returncode != 0:
            return "python3 -m venv failed: " + (made.stderr.strip().splitlines() or ["?"])[-1]
    probe = "import h11, httptools; print(h11.__version__, httptools.__version__)"
    have = subprocess.run([python, "-c", probe], capture_output=True, text=True)
    wanted = " ".join(pin.split("==")[1] for pin in PINS)
    if have.returncode == 0 and have.stdout.strip() == wanted:
        return None
    install = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                              "--retries", "1", "--timeout", "20"] + PINS,
                             capture_output=True, text=True)
    if install.returncode != 0:
        return "pip install failed: " + (install.stderr.strip().splitlines() or ["?"])[-1]
    return None


def main():
    args = sys.argv[1:]
    check = "--check" in args
    if "--list" in args:
        for entry in build_corpus().entries:
            print(entry["id"], entry["description"])
        return 0
    if os.environ.get(IN_VENV) != "1":
        problem = ensure_venv()
        if problem is not None:
            if check:
                print("SKIPPED: h11/httptools unavailable (%s)" % problem)
                return 0
            print("error: " + problem, file=sys.stderr)
            return 2
        env = dict(os.environ, **{IN_VENV: "1"})
        return subprocess.run([venv_python(), os.path.abspath(__file__)] + args, env=env).returncode

    corpus = build_corpus()
    output = render(record(corpus))
    if check:
        try:
            with open(CORPUS, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = ""
        if current == output:
            print("corpus.json is up to date (%d entries)" % len(corpus.entries))
            return 0
        old = {}
        for line in current.splitlines():
            line = line.strip().rstrip(",")
            if line.startswith('{"id"'):
                entry = json.loads(line)
                old[entry["id"]] = line
        new = {}
        for line in output.splitlines():
            line = line.strip().rstrip(",")
            if line.startswith('{"id"'):
                new[json.loads(line)["id"]] = line
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        print("corpus.json is out of date; entries that would change: %d" % len(changed))
        for key in changed[:40]:
            print("  " + key)
        return 1
    os.makedirs(os.path.dirname(CORPUS), exist_ok=True)
    with open(CORPUS, "w", encoding="utf-8") as f:
        f.write(output)
    counts = ", ".join("%s %d" % item for item in corpus.counts.items())
    print("wrote %s: %d entries (%s)" % (os.path.relpath(CORPUS, ROOT), len(corpus.entries), counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
