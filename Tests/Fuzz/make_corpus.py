#!/usr/bin/env python3
"""Writes the seed corpus of the HTTP/1.1 and WebSocket fuzz targets: one file per case.

    python3 Tests/Fuzz/make_corpus.py

Tests/Fuzz/corpus/request-parser/ gets request streams: every refusal the HTTP1 tests check and
valid requests of every shape (pipelines, bodies, trailers, HTTP/1.0, absolute-form, ...).
It also copies the streams of the differential corpus of the HTTP1 tests
(Tests/HTTP1Tests/Differential/corpus.json), so run it again when that file changes.
Tests/Fuzz/corpus/chunked-decoder/ gets chunked bodies alone (what follows the head). Both
folders are this script's: it empties them and writes them again, so the case lists below are
the source of truth and the files can be regenerated after an edit.

Tests/Fuzz/corpus/ws-frame-reader/ gets client frame streams (RFC 6455): every Autobahn-style case
of the WebSocket tests in short form, valid and refused. Tests/Fuzz/corpus/ws-deflate/ gets frame
streams of a permessage-deflate connection (payloads compressed here with Python's zlib, masked
with the key 00000000 so that mutations reach the deflate data as it is), and a few
Sec-WebSocket-Extensions offers (that target reads each input as frames, as message bytes and as
an offer).

HTTP/1.1 requests need exactly one valid Host (RFC 9112 section 3.2): a case that is about
something else gets `Host: example.com` added after its request line (see `with_host`), so that
it is refused for its own reason; the Host cases are written as they are.
"""

import base64
import json
import os
import re
import shutil
import struct
import zlib

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



# --- WebSocket (RFC 6455 frames, RFC 7692 compression) -------------------------------------------

KEY = b"\x37\xfa\x21\x3d"  # RFC 6455's example masking key
ZERO_KEY = b"\x00\x00\x00\x00"

TEXT, BINARY, CONT, CLOSE, PING, PONG = 1, 2, 0, 8, 9, 10


def ws_frame(opcode, payload=b"", fin=True, rsv=0, key=KEY, length=None):
    """A client frame: masked with `key` (None: unmasked); `length` forces 16 or 64 bits."""
    payload = raw(payload)
    head = bytes([(0x80 if fin else 0) | (rsv & 7) << 4 | (opcode & 15)])
    mask_bit = 0 if key is None else 0x80
    n = len(payload)
    if length is None and n <= 125:
        head += bytes([mask_bit | n])
    elif length != 64 and n <= 0xFFFF:
        head += bytes([mask_bit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([mask_bit | 127]) + struct.pack(">Q", n)
    if key is None:
        return head + payload
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def ws_close(code, reason=b""):
    return ws_frame(CLOSE, struct.pack(">H", code) + raw(reason))


def fragmented(opcode, payload, size, key=KEY, rsv_first=0):
    parts = [payload[i:i + size] for i in range(0, len(payload), size)] or [b""]
    return b"".join(ws_frame(opcode if i == 0 else CONT, part, fin=i == len(parts) - 1,
                             rsv=rsv_first if i == 0 else 0, key=key) for i, part in enumerate(parts))


KOSME = "κόσμε".encode()

WS_FRAMES = [
    ("text hello", ws_frame(TEXT, "Hello")),
    ("text empty", ws_frame(TEXT)),
    ("binary 125", ws_frame(BINARY, b"\xfe" * 125)),
    ("binary 126", ws_frame(BINARY, b"\xfe" * 126)),
    ("binary 1000", ws_frame(BINARY, bytes(range(256)) * 4)),
    ("text 16-bit length of 5", ws_frame(TEXT, "short", length=16)),
    ("text 64-bit length of 5", ws_frame(TEXT, "short", length=64)),
    ("64-bit length top bit", b"\x82\xff\x80" + b"\x00" * 6 + b"\x01" + KEY),
    ("64-bit length 2^62", b"\x82\xff\x40" + b"\x00" * 7 + KEY + b"abc"),
    ("header says 65536, short payload", b"\x82\xff" + struct.pack(">Q", 65536) + KEY + b"x" * 100),
    ("unmasked text", ws_frame(TEXT, "Hello", key=None)),
    ("zero key text", ws_frame(TEXT, "Hello, zero key", key=ZERO_KEY)),
    ("ping empty", ws_frame(PING)),
    ("ping 125", ws_frame(PING, b"\xfe" * 125)),
    ("ping 126", ws_frame(PING, b"\xfe" * 126)),
    ("pong then ping", ws_frame(PONG, "unsolicited") + ws_frame(PING, "ping")),
    ("ten pings", ws_frame(PING, "payload") * 10),
    ("fragmented ping", ws_frame(PING, "frag1", fin=False) + ws_frame(CONT, "frag2")),
    ("rsv1 text", ws_frame(TEXT, "Hello", rsv=4)),
    ("text then rsv2 then ping", ws_frame(TEXT, "Hello") + ws_frame(TEXT, "Hello", rsv=2) + ws_frame(PING)),
    ("rsv7 close", ws_frame(CLOSE, b"\x03\xe8", rsv=7)),
    ("opcode 3", ws_frame(3)),
    ("text then opcode 7 then ping", ws_frame(TEXT, "Hello") + ws_frame(7, "reserved") + ws_frame(PING)),
    ("opcode 11", ws_frame(11)),
    ("text then opcode 15 then ping", ws_frame(TEXT, "Hello") + ws_frame(15, "reserved") + ws_frame(PING)),
    ("two fragments", ws_frame(TEXT, "fragment1", fin=False) + ws_frame(CONT, "fragment2")),
    ("two fragments ping between", ws_frame(TEXT, "fragment1", fin=False) + ws_frame(PING, "ping")
     + ws_frame(CONT, "fragment2")),
    ("continuation with nothing to continue", ws_frame(CONT, "payload") + ws_frame(TEXT, "Hello")),
    ("continuation fin false with nothing", ws_frame(CONT, "payload", fin=False) + ws_frame(TEXT, "Hello")),
    ("two text opcodes in a message", ws_frame(TEXT, "fragment1", fin=False) + ws_frame(TEXT, "fragment2")),
    ("five fragments two pings", ws_frame(TEXT, "f1", fin=False) + ws_frame(CONT, "f2", fin=False)
     + ws_frame(PING, "p1") + ws_frame(CONT, "f3", fin=False) + ws_frame(CONT, "f4", fin=False)
     + ws_frame(PING, "p2") + ws_frame(CONT, "f5")),
    ("empty fragments", ws_frame(TEXT, "", fin=False) + ws_frame(CONT, "", fin=False) + ws_frame(CONT)),
    ("utf8 valid", ws_frame(TEXT, "Hello-µ@ßöäüàá-UTF-8!!")),
    ("utf8 one octet fragments", fragmented(TEXT, KOSME, 1)),
    ("utf8 surrogate", ws_frame(TEXT, KOSME + b"\xed\xa0\x80edited")),
    ("utf8 past 10ffff in fragments", ws_frame(TEXT, KOSME, fin=False) + ws_frame(CONT, b"\xf4\x90\x80\x80", fin=False)
     + ws_frame(CONT, "edited")),
    ("utf8 overlong", ws_frame(TEXT, b"\xc0\xaf\xe0\x80\xaf")),
    ("utf8 truncated at end", ws_frame(TEXT, b"abc\xe2\x82")),
    ("utf8 four byte max", ws_frame(TEXT, b"\xf4\x8f\xbf\xbf")),
    ("close empty", ws_frame(CLOSE)),
    ("close one byte", ws_frame(CLOSE, b"\x03")),
    ("close 1000", ws_close(1000)),
    ("close 1000 reason", ws_close(1000, "Ok")),
    ("close 123 byte reason", ws_close(1000, "*" * 123)),
    ("close 124 byte reason", ws_close(1000, "*" * 124)),
    ("close invalid reason", ws_close(1000, KOSME + b"\xed\xa0\x80")),
    ("close 1005", ws_close(1005)),
    ("close 2999", ws_close(2999)),
    ("close 4999", ws_close(4999)),
    ("close 5000", ws_close(5000)),
    ("text then close then ping", ws_frame(TEXT, "Hello World!") + ws_close(1000) + ws_frame(PING)),
    ("fragment close fragment", ws_frame(TEXT, "fragment1", fin=False) + ws_close(1000) + ws_frame(CONT, "fragment2")),
    ("many small messages", b"".join(ws_frame(BINARY if i % 2 else TEXT, "m%d" % i) for i in range(40))),
    ("text in 1300-ish fragments", fragmented(TEXT, b"x" * 3000, 1300)),
]


def deflate(data, wbits=15, compressor=None):
    """Raw deflate with a sync flush, the trailing 00 00 ff ff removed (RFC 7692 7.2.1)."""
    c = compressor or zlib.compressobj(6, zlib.DEFLATED, -wbits, 5)
    out = c.compress(raw(data)) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def z(opcode, data, fragment=0, key=ZERO_KEY, compressor=None, wbits=15):
    payload = deflate(data, wbits, compressor)
    if fragment:
        return fragmented(opcode, payload, fragment, key=key, rsv_first=4)
    return ws_frame(opcode, payload, rsv=4, key=key)


def shared_context():
    c = zlib.compressobj(6, zlib.DEFLATED, -15, 5)
    return z(TEXT, '{"a":1,"b":"hello hello"}', compressor=c) + z(TEXT, '{"a":2,"b":"hello hello"}', compressor=c)


JSON = ",".join('{"id":%d,"name":"user%d","tags":["a","b"]}' % (i, i % 7) for i in range(60)).encode()

WS_DEFLATE = [
    ("hello one frame", ws_frame(TEXT, b"\xf2\x48\xcd\xc9\xc9\x07\x00", rsv=4, key=ZERO_KEY)),
    ("hello two fragments", ws_frame(TEXT, b"\xf2\x48\xcd", fin=False, rsv=4, key=ZERO_KEY)
     + ws_frame(CONT, b"\xc9\xc9\x07\x00", key=ZERO_KEY)),
    ("stored block", ws_frame(TEXT, b"\x00\x05\x00\xfa\xffHello\x00", rsv=4, key=ZERO_KEY)),
    ("bfinal block twice", ws_frame(TEXT, b"\xf3\x48\xcd\xc9\xc9\x07\x00\x00", rsv=4, key=ZERO_KEY) * 2),
    ("shared window", ws_frame(TEXT, b"\xf2\x48\xcd\xc9\xc9\x07\x00", rsv=4, key=ZERO_KEY)
     + ws_frame(TEXT, b"\xf2\x00\x11\x00\x00", rsv=4, key=ZERO_KEY)),
    ("json text", z(TEXT, JSON)),
    ("json text fragments of 64", z(TEXT, JSON, fragment=64)),
    ("json text 9-bit window", z(TEXT, JSON, wbits=9)),
    ("binary random-ish", z(BINARY, bytes((i * 7919) % 251 for i in range(1500)))),
    ("empty message", z(BINARY, b"")),
    ("context takeover pair", shared_context()),
    ("compressed then plain then ping between fragments",
     z(TEXT, "Hello, Hello, Hello", fragment=3)[:9] + ws_frame(PING, b"\x01", key=ZERO_KEY)
     + z(TEXT, "Hello, Hello, Hello", fragment=3)[9:] + ws_frame(TEXT, "plain", key=ZERO_KEY)),
    ("bomb of zeros", z(BINARY, b"\x00" * 300000)),
    ("invalid utf8 after inflate", z(TEXT, b"A\xed\xa0\x80")),
    ("invalid deflate", ws_frame(BINARY, b"\xff\xff\xff\xff\xff", rsv=4, key=ZERO_KEY)),
    ("rsv1 on continuation", ws_frame(TEXT, b"\xf2\x48", fin=False, rsv=4, key=ZERO_KEY)
     + ws_frame(CONT, b"\xcd", rsv=4, key=ZERO_KEY)),
    ("masked compressed", z(TEXT, JSON[:400], key=KEY)),
    ("offer browser", b"permessage-deflate; client_max_window_bits"),
    ("offer all parameters", b"permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
     b"server_max_window_bits=10; client_max_window_bits=9"),
    ("offer list", b"x-webkit-deflate-frame, permessage-deflate; bogus, permessage-deflate; server_max_window_bits=\"8\""),
    ("offer duplicate", b"permessage-deflate; client_max_window_bits; client_max_window_bits=10"),
]

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
    print("ws-frame-reader: %d files" % write("ws-frame-reader", WS_FRAMES))
    print("ws-deflate: %d files" % write("ws-deflate", WS_DEFLATE))


if __name__ == "__main__":
    main()
