#!/usr/bin/env python3
"""Writes the seed corpus of the HTTP/1.1 fuzz targets: one file per case.

    python3 Tests/Fuzz/make_corpus.py

Tests/Fuzz/corpus/request-parser/ gets request streams: every refusal the HTTP1 tests check and
valid requests of every shape (pipelines, bodies, trailers, HTTP/1.0, absolute-form, ...).
It also copies the streams of the differential corpus of the HTTP1 tests
(Tests/HTTP1Tests/Differential/corpus.json), so run it again when that file changes.
Tests/Fuzz/corpus/chunked-decoder/ gets chunked bodies alone (what follows the head). Both
folders are this script's: it empties them and writes them again, so the case lists below are
the source of truth and the files can be regenerated after an edit.

HTTP/1.1 requests need exactly one valid Host (RFC 9112 section 3.2): a case that is about
something else gets `Host: example.com` added after its request line (see `with_host`), so that
it is refused for its own reason; the Host cases are written as they are.
"""

import base64
import json
import os
import re
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
HOST = "Host: example.com\r\n"
CHUNKED_HEAD = "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n"


def raw(text):
    """A request as bytes: text is UTF-8 (as a Swift string literal is); bytes pass through."""
    return text if isinstance(text, bytes) else text.encode("utf-8")


def with_host(request):
    """Adds `Host: example.com` to each HTTP/1.1 head of the stream that has no Host field."""
    data = raw(request)
    out = b""
    # Each head: a request line ending in " HTTP/1.1\r\n", up to the blank line.
    pattern = re.compile(rb"([!-~]+ [^\r\n]* HTTP/1\.[1-9]\r\n)((?:[^\r\n]+\r\n)*)\r\n")
    position = 0
    for match in pattern.finditer(data):
        fields = match.group(2)
        out += data[position:match.start()] + match.group(1)
        if not re.search(rb"(?im)^host:", fields):
            out += HOST.encode()
        out += fields + b"\r\n"
        position = match.end()
    return out + data[position:]


def head_of_size(size):
    """`GET / HTTP/1.1`, Host and one `X: aaa...` field, `size` bytes in all."""
    fixed = len("GET / HTTP/1.1\r\n" + HOST + "X: \r\n\r\n")
    return "GET / HTTP/1.1\r\n" + HOST + "X: " + "a" * (size - fixed) + "\r\n\r\n"


def head_with_fields(count):
    """A head of `count` fields, Host the first."""
    return "GET / HTTP/1.1\r\n" + HOST + "".join("H%d: v\r\n" % i for i in range(1, count)) + "\r\n"


def target_of_length(length):
    return "GET /" + "p" * (length - 1) + " HTTP/1.1\r\n" + HOST + "\r\n"


# Refusals: (name, request). Host is added where missing (see with_host).
REFUSED = [
    # What Debian's non-strict http-parser accepts and the parser must not.
    ("space before colon in Content-Length", "POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\nhello"),
    ("space before colon in Transfer-Encoding", "POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n"),
    ("obs-fold of Transfer-Encoding", "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"),
    ("obs-fold continuation line", "GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n"),
    ("bare LF line endings", "GET / HTTP/1.1\nHost: x\n\n"),
    ("bare LF after a header", "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n"),
    ("bare LF ending the head", "GET / HTTP/1.1\r\nHost: x\r\n\n"),
    ("bare CR in a header value", "GET / HTTP/1.1\r\nHost: x\ry: z\r\n\r\n"),
    ("bare CR after the request line", "GET / HTTP/1.1\rHost: x\r\n\r\n"),
    ("NUL in a header value", "GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n"),
    ("NUL in a header name", "GET / HTTP/1.1\r\nX\x00Y: a\r\n\r\n"),
    ("NUL in the target", "GET /a\x00b HTTP/1.1\r\n\r\n"),
    ("control character in a header value", "GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n"),
    ("DEL in a header value", "GET / HTTP/1.1\r\nX: a\x7fb\r\n\r\n"),
    ("non-ASCII in the target", "GET /caf\u00e9 HTTP/1.1\r\n\r\n"),
    ("raw byte 0xFF in the target", b"GET /a\xff HTTP/1.1\r\n\r\n"),
    ("tab in the target", "GET /a\tb HTTP/1.1\r\n\r\n"),
    ("space in a header name", "GET / HTTP/1.1\r\nFoo Bar: x\r\n\r\n"),
    ("non-token character in a header name", "GET / HTTP/1.1\r\nFoo(bar): x\r\n\r\n"),
    ("whitespace line right after the request line", "GET / HTTP/1.1\r\n Host: x\r\n\r\n"),
    ("empty header name", "GET / HTTP/1.1\r\n: x\r\n\r\n"),
    ("header line without colon", "GET / HTTP/1.1\r\nHost\r\n\r\n"),
    ("empty target", "GET  HTTP/1.1\r\n\r\n"),
    ("unknown method", "FOO / HTTP/1.1\r\n\r\n"),
    ("lower-case method", "get / HTTP/1.1\r\n\r\n"),
    ("missing version", "GET /\r\n\r\n"),
    ("garbage version", "GET / HTTP/1.x\r\n\r\n"),
    ("lower-case protocol name", "GET / http/1.1\r\n\r\n"),
    ("two-digit version", "GET / HTTP/11.1\r\n\r\n"),
    # Framing.
    ("Content-Length and Transfer-Encoding",
     "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("Transfer-Encoding and Content-Length",
     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"),
    ("duplicate Content-Length", "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
    ("Content-Length list 5, 5", "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\nhello"),
    ("Content-Length +5", "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello"),
    ("Content-Length -1", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
    ("Content-Length overflow", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
    ("Content-Length not a number", "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
    ("Content-Length empty", "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n"),
    ("Content-Length 5 5", "POST / HTTP/1.1\r\nContent-Length: 5 5\r\n\r\nhello"),
    ("Transfer-Encoding gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
    ("Transfer-Encoding identity", "POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n"),
    ("Transfer-Encoding chunked, gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"),
    ("Transfer-Encoding gzip, chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
    ("Transfer-Encoding twice",
     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("Content-Length and Transfer-Encoding after a valid request",
     "GET / HTTP/1.1\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc"),
    # Unsupported requests.
    ("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
    ("CONNECT without Host", "CONNECT a:1 HTTP/1.1\r\n\r\n"),
    ("upgrade request with a body",
     "POST / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 2\r\n\r\nhi"),
    ("HTTP/2.0", "GET / HTTP/2.0\r\n\r\n"),
    ("HTTP/0.9", "GET / HTTP/0.9\r\n\r\n"),
    ("HTTP/3.1", "GET / HTTP/3.1\r\n\r\n"),
    ("method and target judged by http-parser, unknown method", "FOO /long/path HTTP/1.1\r\n\r\n"),
    ("method and target judged by http-parser, relative target", "GET abc HTTP/1.1\r\n\r\n"),
    ("CONNECT with an origin-form target", "CONNECT /x HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("bad header after a bad request line", "FOO / HTTP/1.1\r\nA B: c\r\n\r\n"),
    ("folded line after a valid head start", "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"),
    # Limits (the defaults: 16 KiB head, 8 KiB target, 100 fields).
    ("head of 16 KiB + 1", head_of_size(16385)),
    ("101 header fields", head_with_fields(101)),
    ("target of 8 KiB + 1", target_of_length(8193)),
    ("huge target also over the head size", target_of_length(20000)),
    ("empty lines and a head of 16 KiB - 1", "\r\n" + head_of_size(16383)),
    ("head over the limit with an unknown method", "FOO" + head_of_size(16385)[3:]),
]

# Host and the request target (RFC 9112 section 3.2), as they are: no Host is added.
HOST_REFUSED = [
    ("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n"),
    ("HTTP/1.1 without Host, other fields present", "GET / HTTP/1.1\r\nX-Host: a\r\n\r\n"),
    ("HTTP/1.2 without Host", "GET / HTTP/1.2\r\n\r\n"),
    ("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"),
    ("two Host fields in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"),
    ("Host list", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n"),
    ("space inside Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
    ("user information in Host", "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n"),
    ("slash in Host", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"),
    ("unclosed IPv6 literal in Host", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"),
    ("empty IPv6 literal in Host", "GET / HTTP/1.1\r\nHost: []\r\n\r\n"),
    ("text after an IPv6 literal in Host", "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n"),
    ("port out of range in Host", "GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n"),
    ("port with a letter in Host", "GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n"),
    ("two ports in Host", "GET / HTTP/1.1\r\nHost: a:80:81\r\n\r\n"),
    ("bad percent escape in Host", "GET / HTTP/1.1\r\nHost: a%2\r\n\r\n"),
    ("obs-text in Host", b"GET / HTTP/1.1\r\nHost: a\xe9\r\n\r\n"),
    ("relative target", "GET foo HTTP/1.1\r\nHost: a\r\n\r\n"),
    ("asterisk-form outside OPTIONS", "GET * HTTP/1.1\r\nHost: a\r\n\r\n"),
    ("asterisk followed by a path", "OPTIONS */x HTTP/1.1\r\nHost: a\r\n\r\n"),
    ("absolute-form with another scheme", "GET ftp://a/x HTTP/1.1\r\nHost: a\r\n\r\n"),
    ("absolute-form without authority", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n"),
    ("absolute-form with user information", "GET http://u@a/x HTTP/1.1\r\nHost: a\r\n\r\n"),
    ("absolute-form with a bad port", "GET http://a:x/ HTTP/1.1\r\nHost: a\r\n\r\n"),
    ("absolute-form without Host", "GET http://a/x HTTP/1.1\r\n\r\n"),
    ("scheme without slashes", "GET http:a HTTP/1.1\r\nHost: a\r\n\r\n"),
    ("second request of a pipeline without Host",
     "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\nGET /b HTTP/1.1\r\n\r\n"),
    ("Host twice across a long head", "GET / HTTP/1.1\r\nHost: a\r\n" + "X: y\r\n" * 20 + "host: a\r\n\r\n"),
]

# Chunked bodies the decoder must refuse (sent after CHUNKED_HEAD).
CHUNKED_REFUSED = [
    ("bad chunk size zz", "zz\r\nhello\r\n0\r\n\r\n"),
    ("empty chunk size", "\r\nhello\r\n0\r\n\r\n"),
    ("chunk size overflow", "fffffffffffffffff\r\nx\r\n0\r\n\r\n"),
    ("negative chunk size", "-5\r\nhello\r\n0\r\n\r\n"),
    ("chunk size then garbage", "5 5\r\nhello\r\n0\r\n\r\n"),
    ("chunk data without CRLF", "5\r\nhelloXX0\r\n\r\n"),
    ("chunk size line ending in bare LF", "5\nhello\r\n0\r\n\r\n"),
    ("chunk size line with bare CR", "5\rXhello\r\n0\r\n\r\n"),
    ("bare LF in chunk extension", "5;a\nb\r\nhello\r\n0\r\n\r\n"),
    ("chunk data then bare LF", "5\r\nhello\n0\r\n\r\n"),
    ("chunk size line too long", "5;" + "x" * 4100 + "\r\nhello\r\n0\r\n\r\n"),
    ("control character in chunk extension", "5;a\x01\r\nhello\r\n0\r\n\r\n"),
    ("whitespace after chunk size", "5 \r\nhello\r\n0\r\n\r\n"),
    ("whitespace after the last chunk size", "5\r\nhello\r\n0\t\r\n\r\n"),
    ("chunk extension without a name", "5;=v\r\nhello\r\n0\r\n\r\n"),
    ("empty chunk extension", "5;\r\nhello\r\n0\r\n\r\n"),
    ("chunk extension with an empty value", "5;e=\r\nhello\r\n0\r\n\r\n"),
    ("chunk extension value with a space", "5;e=v w\r\nhello\r\n0\r\n\r\n"),
    ("unterminated quoted chunk extension", "5;e=\"open\r\nhello\r\n0\r\n\r\n"),
    ("whitespace before the CRLF of an extension", "5;e=v \r\nhello\r\n0\r\n\r\n"),
    ("obs-text in a token chunk extension", b"5;e=\xe9\r\nhello\r\n0\r\n\r\n"),
]

# Trailer sections refused (the decoder accepts the body; the trailer scanner refuses).
TRAILER_REFUSED = [
    ("invalid trailer field", "0\r\nX : y\r\n\r\n"),
    ("obs-fold in trailer", "0\r\nX: y\r\n z\r\n\r\n"),
    ("bare LF in trailer", "0\r\nX: y\n\r\n"),
]

# Chunked bodies accepted: (name, body).
CHUNKED_VALID = [
    ("Wikipedia in chunks", "4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n"),
    ("extensions", "5;name=value\r\nhello\r\n6 ; a=\"quoted; \" ;b\r\n world\r\n0;last\r\n\r\n"),
    ("trailers", "3\r\nabc\r\n0\r\nX-Checksum: 42\r\nX-Other: y\r\n\r\n"),
    ("upper-case hex and leading zeros", "000A\r\n0123456789\r\n0000\r\n\r\n"),
    ("whitespace before an extension", "2 \t ;x\r\nhi\r\n0\r\n\r\n"),
    ("extensions of every valid shape",
     "2;a\r\nab\r\n2;a=b;c=\"x \\\" y\";d\r\ncd\r\n2 ; e = f\t;g\r\nef\r\n2;h=\"\u00e9\"\r\ngh\r\n0;last\r\n\r\n"),
    ("empty body", "0\r\n\r\n"),
    ("one big chunk", "400\r\n" + "z" * 1024 + "\r\n0\r\n\r\n"),
    ("many small chunks", "1\r\na\r\n" * 64 + "0\r\n\r\n"),
    ("CRLF inside chunk data", "4\r\n\r\n\r\n\r\n0\r\n\r\n"),
]

# Valid request streams.
VALID = [
    ("GET with Host", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    ("GET with query and fields",
     "GET /hello/world?a=1&b=2 HTTP/1.1\r\nHost: example.com\r\nX-Custom-Header: Value\r\n\r\n"),
    ("percent escapes", "GET /a%20b?x=%2F HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    ("invalid escapes and UTF-8", "GET /%E2%82%AC/%zz/%4/%ff%41 HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    ("odd target characters",
     "GET /a!$&'()*+,;=:@-._~%41\"<>[\\]^`{|}?x=/?#y#z HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    ("pipeline of two", "GET /one HTTP/1.1\r\nHost: example.com\r\n\r\nGET /two HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    ("pipeline of three with bodies",
     "GET /one HTTP/1.1\r\nHost: example.com\r\n\r\n"
     "POST /two HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello"
     "POST /three HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"),
    ("POST with Content-Length", "POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 11\r\n\r\nhello world"),
    ("POST with Content-Length 0", "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n"),
    ("POST with a body of 4 KiB",
     "PUT /big HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4096\r\n\r\n" + "z" * 4096),
    ("chunked with extensions",
     "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: Chunked\r\n\r\n"
     "5;name=value\r\nhello\r\n6 ; a=\"quoted; \" ;b\r\n world\r\n0;last\r\n\r\n"),
    ("chunked with trailers then a request",
     "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
     "3\r\nabc\r\n0\r\nX-Checksum: 42\r\nX-Other: y\r\n\r\nGET /next HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    ("HTTP/1.0", "GET / HTTP/1.0\r\n\r\n"),
    ("HTTP/1.0 keep-alive", "GET /old HTTP/1.0\r\nConnection: keep-alive\r\nA_b.c~d!e: 1\r\n\r\n"),
    ("HTTP/1.0 with Host and a body", "POST / HTTP/1.0\r\nHost: example.com\r\nContent-Length: 2\r\n\r\nhi"),
    ("HTTP/1.2", "GET / HTTP/1.2\r\nHost: example.com\r\n\r\n"),
    ("absolute-form", "GET http://example.com:8080/p/q?x=1#frag HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    ("absolute-form without path", "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    ("absolute-form https IPv6", "GET https://[::1]/ HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    ("absolute-form with proxy-connection",
     "GET HTTP://a.example:81/x?y HTTP/1.1\r\nHost: example.com\r\nProxy-Connection: close\r\n\r\n"),
    ("OPTIONS asterisk", "\r\nOPTIONS * HTTP/1.1\r\nHost: example.com\r\nMax-Forwards: 0\r\n\r\n"),
    ("Expect 100-continue",
     "POST /up HTTP/1.1\r\nHost: example.com\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"),
    ("Expect 100-continue in HTTP/1.0", "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx"),
    ("Connection close then another request",
     "GET /a HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    ("upgrade without body",
     "GET /ws HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
     "GET /next HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    ("leading empty lines", "\r\n\r\nGET /x HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    ("trimmed and empty values",
     "GET / HTTP/1.1\r\nHost: example.com\r\nA:   spaced out \t \r\nB:\r\nC: \t\r\nD:x\r\n\r\n"),
    ("obs-text in a value", "GET / HTTP/1.1\r\nHost: example.com\r\nX: caf\u00e9\r\n\r\n"),
    ("duplicate fields",
     "GET / HTTP/1.1\r\nHost: example.com\r\nSet-Cookie: a=1\r\nX: 1\r\nset-cookie: b=2\r\nSET-COOKIE: c=3\r\n\r\n"),
    ("Host forms",
     "GET / HTTP/1.1\r\nHost:\r\n\r\nGET / HTTP/1.1\r\nHOST: Example.COM:8080\r\n\r\n"
     "GET / HTTP/1.1\r\nhost: [::1]:6000\r\n\r\nGET / HTTP/1.1\r\nHost: 127.0.0.1:\r\n\r\n"
     "GET / HTTP/1.1\r\nHost: a%2Eb_c~d\r\n\r\nGET / HTTP/1.1\r\nHost: [v1.fe80::a+en1]\r\n\r\n"),
    ("HEAD DELETE PATCH",
     "HEAD / HTTP/1.1\r\nHost: example.com\r\n\r\nDELETE /x HTTP/1.1\r\nHost: example.com\r\n\r\n"
     "PATCH /y HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1\r\n\r\n!"),
    ("other methods",
     "PROPFIND /d HTTP/1.1\r\nHost: example.com\r\n\r\nMKCOL /e HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    ("big headers",
     "GET /many HTTP/1.1\r\nHost: example.com\r\n"
     + "".join("Field-%d: %s\r\n" % (i, "v" * (i * 7)) for i in range(40)) + "\r\n"),
    ("cookie and user agent",
     "GET /api HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
     "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\nCookie: " + "; ".join("c%d=%s" % (i, "x" * 30)
     for i in range(30)) + "\r\n\r\n"),
    ("head of exactly 16 KiB", head_of_size(16384)),
    ("100 header fields", head_with_fields(100)),
    ("target of exactly 8 KiB", target_of_length(8192)),
    ("head cut short", "GET /partial HTTP/1.1\r\nHost: example.com\r\nX-Partial: val"),
    ("body cut short", "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 10\r\n\r\nabc"),
]


def differential_streams(known):
    """The request streams of the HTTP1 tests' differential corpus (h11 and llhttp verdicts),
    as they are, except those already written above."""
    path = os.path.join(HERE, "..", "HTTP1Tests", "Differential", "corpus.json")
    if not os.path.exists(path):
        return []
    with open(path) as file:
        entries = json.load(file)["entries"]
    streams = []
    for entry in entries:
        data = base64.b64decode(entry["bytes"])
        if data and data not in known:
            known.add(data)
            streams.append(("differential-" + entry["id"], data))
    return streams


def chunked_bodies(requests, known):
    """What follows the first head of each differential stream that names chunked (a body as the
    decoder sees it, whether or not the head itself is valid)."""
    bodies = []
    for name, data in requests:
        head, blank, body = data.partition(b"\r\n\r\n")
        if name.startswith("differential-") and blank and body and b"chunked" in head.lower() and body not in known:
            known.add(body)
            bodies.append((name, body))
    return bodies


def slug(name):
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def write(folder, cases):
    path = os.path.join(HERE, "corpus", folder)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    names = set()
    for name, data in cases:
        file = slug(name)
        assert file not in names, "two cases named " + file
        names.add(file)
        with open(os.path.join(path, file), "wb") as out:
            out.write(data)
    return len(cases)


def main():
    requests = [("refused-" + n, with_host(r)) for n, r in REFUSED]
    requests += [("refused-" + n, raw(r)) for n, r in HOST_REFUSED]
    requests += [("refused-" + n, raw(CHUNKED_HEAD) + raw(b)) for n, b in CHUNKED_REFUSED + TRAILER_REFUSED]
    requests += [("valid-" + n, with_host(r)) for n, r in VALID]
    requests += [("valid-chunked-" + n, raw(CHUNKED_HEAD) + raw(b)) for n, b in CHUNKED_VALID]
    requests += differential_streams(set(data for _, data in requests))
    bodies = [("refused-" + n, raw(b)) for n, b in CHUNKED_REFUSED]
    bodies += [("valid-" + n, raw(b)) for n, b in CHUNKED_VALID + TRAILER_REFUSED]
    bodies += chunked_bodies(requests, set(data for _, data in bodies))
    print("request-parser: %d files" % write("request-parser", requests))
    print("chunked-decoder: %d files" % write("chunked-decoder", bodies))


if __name__ == "__main__":
    main()
